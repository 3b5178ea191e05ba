// /notifications: the inbox, newest first; unread ones marked; mark one or all read, delete;
// new ones appear at the top as they arrive over /ws.

import { api } from "../api.js";
import { dateTime, t } from "../i18n.js";
import { live } from "../live.js";
import { empty, errorText, failed, h, loading, page, requireUser, toast } from "../ui.js";

function item(notification) {
  const unread = !notification.read_at;
  const node = h("li", { class: `notification${unread ? " unread" : ""}`, id: `notification-${notification.id}` });
  const markRead = unread ? h("button", { type: "button", class: "button small", onClick: async (event) => {
    event.currentTarget.disabled = true;
    try {
      node.replaceWith(item(await api.post(`/api/notifications/${notification.id}/read`, {})));
    } catch (error) {
      toast(errorText(error), "error");
    }
  } }, t("notifications.read")) : null;
  const remove = h("button", { type: "button", class: "button small danger", onClick: async () => {
    try {
      await api.del(`/api/notifications/${notification.id}`);
      node.remove();
    } catch (error) {
      toast(errorText(error), "error");
    }
  } }, t("notifications.delete"));
  const title = notification.link && notification.link.startsWith("/")
    ? h("a", { href: notification.link, class: "notification-title" }, notification.title)
    : h("span", { class: "notification-title" }, notification.title);
  node.append(
    h("div", { class: "review-head" }, title, unread ? h("span", { class: "tag service" }, t("notifications.unread")) : null),
    notification.body ? h("p", {}, notification.body) : null,
    h("div", { class: "review-actions" }, h("time", { class: "muted", datetime: notification.created_at }, dateTime(notification.created_at)), markRead, remove));
  return node;
}

export async function render({ root, query, signal, navigate }) {
  if (!requireUser(root, t("notifications.title"))) return undefined;
  const unreadOnly = query.get("unread") === "true";
  const list = h("ul", { class: "notifications", id: "notification-list" });
  const more = h("button", { type: "button", class: "button", hidden: true }, t("notifications.more"));
  const body = h("div", {}, loading());
  const filter = h("label", { class: "check" }, h("input", { type: "checkbox", checked: unreadOnly, onChange: (event) => {
    navigate(event.target.checked ? "/notifications?unread=true" : "/notifications", { replace: true });
  } }), " ", t("notifications.unreadOnly"));
  const readAll = h("button", { type: "button", class: "button", id: "read-all", onClick: async (event) => {
    event.currentTarget.disabled = true;
    try {
      await api.post("/api/notifications/read-all", {});
      list.replaceChildren();
      cursor = null;
      await load();
    } catch (error) {
      toast(errorText(error), "error");
    } finally {
      readAll.disabled = false;
    }
  } }, t("notifications.readAll"));
  page(root, t("notifications.title"),
    h("div", { class: "toolbar" }, filter, h("div", { class: "actions" }, readAll, h("a", { class: "button", href: "/notifications/preferences" }, t("notifications.preferences")))),
    body);
  let cursor = null;
  const load = async () => {
    const data = await api.get("/api/notifications", { limit: 20, cursor, unread: unreadOnly ? "true" : undefined }, { signal });
    list.append(...data.items.map(item));
    cursor = data.next_cursor;
    more.hidden = !cursor;
    body.replaceChildren(list.children.length ? list : empty(t("notifications.none")), h("div", { class: "actions" }, more));
  };
  more.addEventListener("click", () => load().catch(() => {}));
  const onNotification = (event) => {
    const notification = event.detail;
    if (notification.replaces) document.getElementById(`notification-${notification.replaces}`)?.remove();
    document.getElementById(`notification-${notification.id}`)?.remove();
    list.prepend(item(notification));
    if (!list.isConnected) body.replaceChildren(list, h("div", { class: "actions" }, more));
  };
  live.addEventListener("notification", onNotification);
  try {
    await load();
  } catch (error) {
    if (!signal.aborted) body.replaceChildren(failed(error));
  }
  return () => live.removeEventListener("notification", onNotification);
}
