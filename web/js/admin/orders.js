// /admin/orders: every order, newest first, filtered by status and by customer (?status=,
// ?user=), or one found by its id (?id=). Paid orders can be delivered; created, processing
// and paid ones cancelled (a paid one is refunded). Each row opens to its items and history.

import { api } from "../api.js";
import { dateTime, money, t, tn } from "../i18n.js";
import { empty, failed, field, h, loading, toast } from "../ui.js";
import { adminPage, cell, onClick, pagedTable, shortId, statusBadge, table } from "./common.js";

const STATUSES = ["created", "processing", "paid", "delivered", "cancelled"];
const CANCELLABLE = new Set(["created", "processing", "paid"]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function render({ root, query, signal, navigate }) {
  const status = query.get("status") || "";
  const user = query.get("user") || "";
  const id = query.get("id") || "";
  const results = h("section", { "aria-labelledby": "orders-found" }, loading());
  const filters = h("form", { class: "admin-filters", role: "search", "aria-label": t("admin.orders.find"), novalidate: true },
    field({ name: "status", label: t("admin.orders.status"), type: "select", value: status,
      choices: [["", t("admin.orders.anyStatus")], ...STATUSES.map((name) => [name, t(`status.${name}`)])] }),
    field({ name: "user", label: t("admin.orders.user"), value: user, autocomplete: "off", spellcheck: "false",
      hint: t("admin.orders.user.hint") }),
    field({ name: "id", label: t("admin.orders.id"), value: id, autocomplete: "off", spellcheck: "false",
      hint: t("admin.orders.id.hint") }),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "button primary" }, t("admin.filter")),
      h("a", { class: "button", href: "/admin/orders" }, t("admin.reset"))));
  adminPage(root, "/admin/orders", t("admin.orders.title"), filters, results);

  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    let bad = false;
    for (const name of ["user", "id"]) {
      const wrapper = filters.querySelector(`[data-field="${name}"]`);
      const input = wrapper.querySelector("input");
      const value = input.value.trim();
      const wrong = value && !UUID.test(value);
      wrapper.querySelector(".field-error").textContent = wrong ? t("admin.uuid.bad") : "";
      if (wrong) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
      if (wrong && !bad) input.focus();
      bad ||= wrong;
    }
    if (bad) return;
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(filters)) if (value.trim()) params.set(name, value.trim());
    navigate(`/admin/orders${params.size ? `?${params}` : ""}`, { replace: true });
  });

  const rows = (items) => items.flatMap(orderRows);
  const columns = [
    ["number", t("admin.orders.number")], ["date", t("admin.orders.date")], ["customer", t("admin.orders.customer")],
    ["items", t("admin.orders.items")], ["total", t("admin.orders.total"), { numeric: true }],
    ["status", t("admin.orders.status")], ["actions", t("admin.actions")],
  ];
  if (id) {
    if (!UUID.test(id)) {
      results.replaceChildren(empty(t("admin.uuid.bad")));
      return;
    }
    try {
      const order = await api.get(`/api/orders/${id}`, undefined, { signal });
      results.replaceChildren(h("h2", { id: "orders-found" }, t("admin.orders.one")), table(t("admin.orders.title"), columns, rows([order])));
    } catch (error) {
      if (!signal.aborted) results.replaceChildren(error.status === 404 ? empty(t("admin.orders.notFound")) : failed(error));
    }
    return;
  }
  await pagedTable(results, {
    signal,
    load: (cursor) => api.get("/api/orders", { status, user_id: user || undefined, limit: 20, cursor }, { signal }),
    heading: () => h("h2", { id: "orders-found" }, t(status ? "admin.orders.listStatus" : "admin.orders.list", { status: t(`status.${status}`) })),
    none: t("admin.orders.none"),
    caption: t("admin.orders.title"),
    columns,
    rows,
  });
}

function orderRows(order) {
  const detailsId = `order-${order.id}-details`;
  const row = h("tr", { dataset: { order: order.id } });
  const details = h("tr", { class: "order-details", id: detailsId, hidden: true });
  const fill = () => {
    const count = order.items.reduce((sum, item) => sum + item.quantity, 0);
    const toggle = h("button", { type: "button", class: "link-like", "aria-expanded": String(!details.hidden),
      "aria-controls": detailsId }, `№ ${shortId(order.id)}`);
    toggle.addEventListener("click", () => {
      details.hidden = !details.hidden;
      toggle.setAttribute("aria-expanded", String(!details.hidden));
    });
    const actions = [];
    if (order.status === "paid") actions.push(action(t("admin.orders.deliver"), "primary", () => deliver(order)));
    if (CANCELLABLE.has(order.status)) actions.push(action(t("admin.orders.cancel"), "danger", () => cancel(order)));
    row.replaceChildren(
      cell(t("admin.orders.number"), toggle, { className: "title" }),
      cell(t("admin.orders.date"), dateTime(order.created_at)),
      cell(t("admin.orders.customer"), h("a", { href: `/admin/orders?user=${order.user_id}`, title: order.user_id,
        "aria-label": t("admin.orders.byCustomer", { id: shortId(order.user_id) }) }, shortId(order.user_id))),
      cell(t("admin.orders.items"), tn("orders.items", count)),
      cell(t("admin.orders.total"), money(order.total, order.currency), { numeric: true }),
      cell(t("admin.orders.status"), statusBadge(order.status)),
      cell(t("admin.actions"), actions.length ? h("div", { class: "row-actions" }, actions) : h("span", { class: "muted" }, "—")));
    details.replaceChildren(h("td", { colspan: 7 },
      h("div", { class: "order-more" },
        h("div", {},
          h("h3", {}, t("order.items")),
          h("ul", { class: "plain" }, order.items.map((item) => h("li", {},
            h("a", { href: `/admin/products/${item.product_id}` }, item.title), ` × ${item.quantity} · ${money(item.amount, order.currency)}`))),
          order.address ? h("p", {}, h("strong", {}, `${t("order.address")}: `), order.address) : null),
        h("div", {},
          h("h3", {}, t("order.timeline")),
          h("ol", { class: "timeline" }, order.history.map((entry) => h("li", {},
            statusBadge(entry.status), " ", t(`admin.actor.${entry.actor}`),
            entry.reason ? ` · ${entry.reason}` : "",
            h("time", { datetime: entry.at }, dateTime(entry.at)))))))));
  };
  const action = (label, kind, run) => {
    const button = h("button", { type: "button", class: `button small ${kind}`,
      "aria-label": `${label}: № ${shortId(order.id)}` }, label);
    return onClick(button, async () => {
      const updated = await run();
      if (!updated) return;
      Object.assign(order, updated);
      fill();
      row.querySelector(".title button")?.focus();
    });
  };
  fill();
  return [row, details];
}

async function deliver(order) {
  const updated = await api.post(`/api/orders/${order.id}/deliver`);
  toast(t("admin.orders.delivered", { number: shortId(order.id) }), "success");
  return updated;
}

async function cancel(order) {
  const question = order.status === "paid" ? t("admin.orders.cancelPaidConfirm") : t("admin.orders.cancelConfirm");
  if (!window.confirm(question)) return null;
  const updated = await api.post(`/api/orders/${order.id}/cancel`, { reason: t("admin.orders.cancelReason") });
  toast(t("admin.orders.cancelled", { number: shortId(order.id) }), "success");
  return updated;
}
