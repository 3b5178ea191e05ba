// /orders/:id: the order, its items and address, and its status timeline, which follows the
// order live: an "order.status" push over /ws re-reads the order (pushes may arrive out of
// order, so the order as the API answers it is the truth), and so does a reconnect.

import { ApiError, api } from "../api.js";
import { dateTime, money, status, t } from "../i18n.js";
import { live } from "../live.js";
import { empty, errorText, failed, h, loading, page, requireUser, toast } from "../ui.js";
import { statusBadge } from "./orders.js";

const CANCELLABLE = new Set(["created", "paid"]);

function reasonLabel(reason) {
  if (!reason) return "";
  const known = t(`reason.${reason}`);
  return known === `reason.${reason}` ? reason.replaceAll("_", " ") : known;
}

function timeline(order) {
  return h("ol", { class: "timeline", id: "timeline", "aria-label": t("order.timeline") }, (order.history || []).map((entry) => h("li", {},
    h("span", { class: "status-name" }, status(entry.status)),
    entry.reason ? h("span", { class: "muted" }, ` — ${reasonLabel(entry.reason)}`) : null,
    h("time", { datetime: entry.at }, dateTime(entry.at)))));
}

export async function render({ root, params, signal }) {
  if (!requireUser(root, t("orders.title"))) return undefined;
  root.replaceChildren(loading());
  const id = params.id;
  const view = h("div", {});
  let current = null;

  const draw = (order) => {
    current = order;
    const actions = [];
    if (order.status === "created") {
      actions.push(h("a", { class: "button primary", href: `/checkout?order=${order.id}` }, t("order.pay")));
    }
    if (CANCELLABLE.has(order.status)) {
      actions.push(h("button", { type: "button", class: "button danger", id: "cancel-order", onClick: async (event) => {
        if (!window.confirm(t("order.cancelConfirm"))) return;
        event.currentTarget.disabled = true;
        try {
          draw(await api.post(`/api/orders/${order.id}/cancel`, {}));
          toast(t("order.cancelled"), "success");
        } catch (error) {
          toast(errorText(error), "error");
          refresh();
        }
      } }, t("order.cancel")));
    }
    view.replaceChildren(
      h("div", { class: "columns" },
        h("div", {},
          h("section", { class: "panel", "aria-labelledby": "status-heading" },
            h("h2", { id: "status-heading" }, t("order.status"), " ", h("span", { id: "order-status", role: "status", "aria-live": "polite" }, statusBadge(order.status))),
            order.payment_failure && order.status === "created"
              ? h("p", { class: "notice bad" }, t("checkout.failed", { reason: reasonLabel(order.payment_failure) })) : null,
            h("h3", {}, t("order.timeline")), timeline(order),
            h("p", { class: "muted" }, t("order.live")),
            actions.length ? h("div", { class: "actions" }, actions) : null)),
        h("div", {},
          h("section", { class: "panel", "aria-labelledby": "items-heading" },
            h("h2", { id: "items-heading" }, t("order.items")),
            h("ul", { class: "plain-list" }, order.items.map((item) => h("li", { class: "summary-line" },
              h("a", { href: `/products/${item.product_id}` }, `${item.title} × ${item.quantity}`),
              h("span", {}, money(item.amount, order.currency))))),
            h("div", { class: "summary" }, h("span", {}, t("order.total")), h("span", {}, money(order.total, order.currency))),
            order.address ? [h("h3", {}, t("order.address")), h("p", { class: "review-text" }, order.address)] : null))));
  };

  const refresh = async () => {
    try {
      draw(await api.get(`/api/orders/${encodeURIComponent(id)}`, undefined, { signal }));
    } catch (error) {
      if (signal.aborted) return;
      if (!current) {
        if (error instanceof ApiError && (error.status === 404 || error.status === 422)) {
          view.replaceChildren(empty(t("notFound.text"), h("a", { class: "button", href: "/orders" }, t("orders.title"))));
        } else {
          view.replaceChildren(failed(error));
        }
      }
    }
  };
  const onStatus = (event) => {
    if (event.detail.order_id !== id) return;
    if (current && current.status !== event.detail.status) {
      // Show the pushed status at once; the re-read brings the timeline and its reasons.
      document.getElementById("order-status")?.replaceChildren(statusBadge(event.detail.status));
    }
    refresh();
  };
  const onOpen = () => refresh();
  live.addEventListener("order.status", onStatus);
  live.addEventListener("open", onOpen);
  page(root, t("order.title", { number: id.slice(-8) }), view);
  view.append(loading());
  await refresh();
  return () => {
    live.removeEventListener("order.status", onStatus);
    live.removeEventListener("open", onOpen);
  };
}
