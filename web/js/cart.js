// The cart, kept in localStorage ("mp.cart") so it survives reloads and follows across tabs.
// Lines keep what the cart page shows (title, price, image) as it was when added; checkout
// sends only product ids and quantities, and the order answers the real prices.

const CART_KEY = "mp.cart";
export const cartEvents = new EventTarget();

export function cartLines() {
  try {
    const lines = JSON.parse(localStorage.getItem(CART_KEY) || "[]");
    return Array.isArray(lines) ? lines : [];
  } catch {
    return [];
  }
}

function save(lines) {
  localStorage.setItem(CART_KEY, JSON.stringify(lines));
  cartEvents.dispatchEvent(new CustomEvent("change", { detail: lines }));
}

export function cartCount() {
  return cartLines().reduce((sum, line) => sum + line.quantity, 0);
}

export function cartTotal() {
  return cartLines().reduce((sum, line) => sum + line.price * line.quantity, 0);
}

export function addToCart(product, quantity = 1) {
  const lines = cartLines();
  const line = lines.find((item) => item.product_id === product.id);
  const limit = product.kind === "service" ? 99 : Math.max(product.stock ?? 99, 0);
  if (line) {
    line.quantity = Math.min(line.quantity + quantity, limit || 1);
  } else {
    lines.push({
      product_id: product.id,
      title: product.title,
      price: product.price,
      currency: product.currency || "RUB",
      kind: product.kind,
      image: product.images?.[0]?.small_url || product.images?.[0]?.url || null,
      stock: product.stock ?? null,
      quantity: Math.min(quantity, limit || 1),
    });
  }
  save(lines);
}

export function setQuantity(productId, quantity) {
  const lines = cartLines()
    .map((line) => (line.product_id === productId ? { ...line, quantity } : line))
    .filter((line) => line.quantity > 0);
  save(lines);
}

export function removeFromCart(productId) {
  save(cartLines().filter((line) => line.product_id !== productId));
}

export function clearCart() {
  save([]);
}

window.addEventListener("storage", (event) => {
  if (event.key === CART_KEY) cartEvents.dispatchEvent(new CustomEvent("change", { detail: cartLines() }));
});
