// /orders: my orders, newest first, with their status (kept live over /ws).

import { api } from "../api.js";
import { dateTime, money, status, t, tn } from "../i18n.js";
import { live } from "../live.js";
import { empty, failed, h, loading, page, requireUser } from "../ui.js";

export function statusBadge(name) {
  return h("span", { class: `status status-${name}`, dataset: { status: name } }, status(name));
}

function row(order) {
  const count = (order.items || []).reduce((sum, item) => sum + item.quantity, 0);
  return h("li", { class: "order-row", id: `order-${order.id}` },
    h("div", {},
      h("a", { href: `/orders/${order.id}` }, h("strong", {}, t("orders.number", { number: order.id.slice(-8) }))),
      h("div", { class: "muted" }, dateTime(order.created_at), " · ", tn("orders.items", count))),
    h("div", { class: "review-actions" }, h("strong", {}, money(order.total, order.currency)), statusBadge(order.status)));
}

export async function render({ root, signal }) {
  if (!requireUser(root, t("orders.title"))) return undefined;
  const list = h("ul", { class: "order-list" });
  const more = h("button", { type: "button", class: "button", hidden: true }, t("orders.more"));
  const body = h("div", {}, loading());
  page(root, t("orders.title"), body);
  let cursor = null;
  const load = async () => {
    const data = await api.get("/api/orders", { limit: 20, cursor }, { signal });
    list.append(...data.items.map(row));
    cursor = data.next_cursor;
    more.hidden = !cursor;
  };
  more.addEventListener("click", () => load().catch(() => {}));
  const onStatus = (event) => {
    const node = document.getElementById(`order-${event.detail.order_id}`);
    node?.querySelector(".status")?.replaceWith(statusBadge(event.detail.status));
  };
  live.addEventListener("order.status", onStatus);
  try {
    await load();
    body.replaceChildren(list.children.length ? list : empty(t("orders.none"), h("a", { class: "button primary", href: "/catalog" }, t("cart.browse"))), h("div", { class: "actions" }, more));
  } catch (error) {
    if (!signal.aborted) body.replaceChildren(failed(error));
  }
  return () => live.removeEventListener("order.status", onStatus);
}
