// /cart: the lines kept in localStorage, quantities, removal, the total, on to checkout.

import { cartEvents, cartLines, cartTotal, removeFromCart, setQuantity } from "../cart.js";
import { icon } from "../icons.js";
import { money, t } from "../i18n.js";
import { empty, h, page } from "../ui.js";

function line(item) {
  const max = item.kind === "service" ? 99 : Math.max(item.stock ?? 99, 1);
  const quantity = h("input", { type: "number", min: 1, max, value: item.quantity, inputmode: "numeric",
    id: `qty-${item.product_id}`, "aria-label": t("cart.quantityOf", { title: item.title }) });
  quantity.addEventListener("change", () => {
    const value = Math.min(max, Math.max(1, Number.parseInt(quantity.value, 10) || 1));
    setQuantity(item.product_id, value);
  });
  return h("li", { class: "line" },
    h("div", { class: "line-image" }, item.image ? h("img", { src: item.image, alt: "", width: 80, height: 80 }) : icon(item.kind === "service" ? "tool" : "box")),
    h("div", { class: "line-body" },
      h("a", { href: `/products/${item.product_id}` }, item.title),
      h("span", { class: "muted" }, money(item.price, item.currency), item.kind === "service" ? ` · ${t("kind.service")}` : ""),
      h("div", { class: "line-controls" }, quantity,
        h("button", { type: "button", class: "button small danger", onClick: () => removeFromCart(item.product_id) }, t("cart.remove")))),
    h("strong", { class: "line-amount" }, money(item.price * item.quantity, item.currency)));
}

function draw(root) {
  const lines = cartLines();
  if (!lines.length) {
    page(root, t("cart.title"), empty(t("cart.empty"), h("a", { class: "button primary", href: "/catalog" }, t("cart.browse"))));
    return;
  }
  const currency = lines[0].currency;
  page(root, t("cart.title"),
    h("ul", { class: "lines" }, lines.map(line)),
    h("div", { class: "panel summary-panel" },
      h("div", { class: "summary" }, h("span", {}, t("cart.total")), h("span", { id: "cart-total" }, money(cartTotal(), currency))),
      h("p", { class: "muted" }, t("cart.kept")),
      h("div", { class: "actions" }, h("a", { class: "button primary", href: "/checkout", id: "to-checkout" }, t("cart.checkout")))));
}

export function render({ root }) {
  draw(root);
  const redraw = () => {
    const focused = document.activeElement?.id;
    draw(root);
    if (focused) document.getElementById(focused)?.focus();
  };
  cartEvents.addEventListener("change", redraw);
  return () => cartEvents.removeEventListener("change", redraw);
}
