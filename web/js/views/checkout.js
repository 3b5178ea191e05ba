// /checkout: the address, then the card. The order is placed once (Idempotency-Key) and
// remembered for this cart, so a declined card is retried on the same order: a retry never
// makes a second one. /checkout?order=ID pays an existing unpaid order (from its page).
//
// The payment's answer is shown as it is: succeeded (the cart empties), failed with the
// reason (try another card), or pending (the order page shows how it settles).

import { ApiError, api, session } from "../api.js";
import { cartLines, cartTotal, clearCart } from "../cart.js";
import { money, t } from "../i18n.js";
import { empty, failed, field, form, h, loading, page, requireUser } from "../ui.js";

const PENDING_KEY = "mp.checkout";
export const TEST_CARDS = [
  ["4242 4242 4242 4242", "checkout.testCard.ok"],
  ["4000 0000 0000 0002", "checkout.testCard.declined"],
  ["4000 0000 0000 9995", "checkout.testCard.funds"],
  ["4000 0000 0000 0119", "checkout.testCard.error"],
];

function signature(lines) {
  return lines.map((line) => `${line.product_id}x${line.quantity}`).sort().join(",");
}

function pendingOrder(lines) {
  try {
    const saved = JSON.parse(localStorage.getItem(PENDING_KEY) || "null");
    return saved && saved.signature === signature(lines) ? saved : null;
  } catch {
    return null;
  }
}

function key() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

function testCards(numberInput) {
  return h("aside", { class: "panel test-cards", "aria-labelledby": "test-cards-heading" },
    h("h2", { id: "test-cards-heading" }, t("checkout.testCards")),
    h("p", { class: "muted" }, t("checkout.testCards.lead")),
    h("ul", {}, TEST_CARDS.map(([number, label]) => h("li", {},
      h("span", {}, h("code", {}, number), " — ", t(label)),
      h("button", { type: "button", class: "button small", "aria-label": t("checkout.testCard.use", { number }),
        onClick: () => {
          const input = numberInput();
          input.value = number;
          input.focus();
        } }, t("checkout.testCard.use", { number: number.slice(-4) }))))));
}

function reasonText(reason) {
  return reason ? t(`reason.${reason}`) : t("error.generic");
}

function cardFields() {
  const year = new Date().getFullYear();
  return [
    field({ name: "number", label: t("checkout.card.number"), autocomplete: "cc-number", inputmode: "numeric", required: true, maxlength: 23,
      hint: h("a", { href: "#test-cards-heading" }, t("checkout.testCards.see")) }),
    h("div", { class: "row" },
      field({ name: "exp_month", label: t("checkout.card.expMonth"), type: "select", autocomplete: "cc-exp-month", value: "12",
        choices: Array.from({ length: 12 }, (_, i) => [String(i + 1), String(i + 1).padStart(2, "0")]) }),
      field({ name: "exp_year", label: t("checkout.card.expYear"), type: "select", autocomplete: "cc-exp-year", value: String(year + 2),
        choices: Array.from({ length: 10 }, (_, i) => [String(year + i), String(year + i)]) }),
      field({ name: "cvc", label: t("checkout.card.cvc"), autocomplete: "cc-csc", inputmode: "numeric", required: true, maxlength: 4 })),
    field({ name: "holder", label: t("checkout.card.holder"), autocomplete: "cc-name", required: true, maxlength: 100 }),
  ];
}

function summary(items, total, currency) {
  return h("section", { class: "panel", "aria-labelledby": "summary-heading" },
    h("h2", { id: "summary-heading" }, t("checkout.summary")),
    h("ul", { class: "plain-list" }, items.map((item) => h("li", { class: "summary-line" },
      h("span", {}, `${item.title} × ${item.quantity}`), h("span", {}, money(item.amount, currency))))),
    h("div", { class: "summary" }, h("span", {}, t("cart.total")), h("span", {}, money(total, currency))));
}

export async function render({ root, query, signal }) {
  if (!requireUser(root, t("checkout.title"))) return;
  const existing = query.get("order");
  const lines = cartLines();
  let order = null;
  if (existing) {
    root.replaceChildren(loading());
    try {
      order = await api.get(`/api/orders/${encodeURIComponent(existing)}`, undefined, { signal });
    } catch (error) {
      if (!signal.aborted) page(root, t("checkout.title"), failed(error));
      return;
    }
  } else if (!lines.length) {
    page(root, t("checkout.title"), empty(t("cart.empty"), h("a", { class: "button primary", href: "/catalog" }, t("cart.browse"))));
    return;
  } else {
    const saved = pendingOrder(lines);
    if (saved) {
      try {
        order = await api.get(`/api/orders/${saved.order_id}`, undefined, { signal });
        if (order.status !== "created") order = null;
      } catch {
        order = null;
      }
    }
  }
  if (signal.aborted) return;
  const currency = order?.currency || lines[0]?.currency || "RUB";
  const total = order?.total ?? cartTotal();
  const items = order?.items || lines.map((line) => ({ title: line.title, quantity: line.quantity, amount: line.price * line.quantity }));
  const outcome = h("div", { id: "payment-outcome", role: "status", "aria-live": "polite" });
  let profileAddress = "";
  try {
    profileAddress = (await api.get("/api/auth/me", undefined, { signal })).address || "";
  } catch {
    profileAddress = "";
  }
  let paymentKey = key();
  let orderKey = key();
  const payButtonLabel = t("checkout.pay", { amount: money(total, currency) });
  const addressField = order ? null : field({ name: "address", label: t("checkout.address"), type: "textarea", rows: 2, required: true, maxlength: 500, value: profileAddress, hint: t("checkout.address.hint"), autocomplete: "street-address" });
  const formElement = form({
    className: "form checkout-form",
    fields: [
      addressField,
      order ? h("p", { class: "muted" }, t("order.title", { number: order.id.slice(-8) })) : null,
      h("h2", {}, t("checkout.payTitle")),
      ...cardFields(),
    ],
    submit: payButtonLabel,
    onSubmit: async (values) => {
      outcome.replaceChildren();
      if (!order) {
        const address = (values.address || "").trim();
        if (!address) throw new ApiError(422, { errors: [{ field: "address", message: t("checkout.addressRequired") }] });
        order = await api.post("/api/orders", {
          items: lines.map((line) => ({ product_id: line.product_id, quantity: line.quantity })),
          address,
        }, { headers: { "Idempotency-Key": orderKey } });
        localStorage.setItem(PENDING_KEY, JSON.stringify({ order_id: order.id, signature: signature(lines) }));
        addressField?.querySelector("textarea")?.setAttribute("readonly", "");
      }
      const card = {
        number: values.number.trim(), exp_month: Number(values.exp_month), exp_year: Number(values.exp_year),
        cvc: values.cvc.trim(), holder: values.holder.trim(),
      };
      let payment;
      for (let attempt = 0; ; attempt += 1) {
        try {
          payment = await api.post("/api/payments", { order_id: order.id, card }, { headers: { "Idempotency-Key": paymentKey } });
          break;
        } catch (error) {
          // Right after a declined try the order is still settling it (moments): wait.
          if (error instanceof ApiError && error.type.endsWith("/order-settling") && attempt < 20) {
            await new Promise((resolve) => setTimeout(resolve, 500));
            continue;
          }
          if (error instanceof ApiError && error.status !== 422) paymentKey = key();
          throw error;
        }
      }
      paymentKey = key();
      const orderLink = h("a", { href: `/orders/${order.id}` }, t("checkout.viewOrder"));
      if (payment.status === "succeeded") {
        if (!existing) clearCart();
        localStorage.removeItem(PENDING_KEY);
        formElement.hidden = true;
        outcome.replaceChildren(h("div", { class: "notice ok" }, h("strong", {}, t("checkout.paid")), orderLink));
      } else if (payment.status === "failed") {
        outcome.replaceChildren(h("div", { class: "notice bad", id: "payment-failed" },
          h("strong", {}, t("checkout.failed", { reason: reasonText(payment.failure_reason) })),
          h("span", {}, t("checkout.retry")), " ", orderLink));
        formElement.querySelector("[name=number]").focus();
      } else {
        formElement.hidden = true;
        outcome.replaceChildren(h("div", { class: "notice warn" }, h("strong", {}, t("checkout.pending")), orderLink));
      }
    },
  });
  page(root, t("checkout.title"), h("div", { class: "columns" },
    h("div", {}, outcome, h("div", { class: "panel" }, formElement)),
    h("div", {}, summary(items, total, currency), testCards(() => formElement.querySelector("[name=number]")))));
  if (!session()) return;
  formElement.querySelector(order ? "[name=number]" : "textarea")?.focus();
}
