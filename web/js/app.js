// The shell: header (brand, search, navigation, cart, bell, account, language), the live
// channel, the router. Views live in views/ and are loaded when first shown (routes.js).

import { api, claims, logout, onSession, session } from "./api.js";
import { cartCount, cartEvents } from "./cart.js";
import { language, languages, setLanguage, t } from "./i18n.js";
import { live, startLive } from "./live.js";
import "./routes.js";
import { navigate, render, start } from "./router.js";
import { searchBox } from "./search-box.js";
import { icon } from "./icons.js";
import { h, toast } from "./ui.js";

const header = document.getElementById("header");
const main = document.getElementById("main");
let unread = 0;

function isAdmin() {
  return claims()?.role === "admin";
}

function badge(count, label) {
  return h("span", { class: "badge", hidden: count === 0, "aria-label": label }, count > 99 ? "99+" : String(count));
}

function drawHeader() {
  const loggedIn = Boolean(session()?.access_token);
  const count = cartCount();
  const links = [
    h("li", {}, h("a", { href: "/catalog", dataset: { nav: "catalog" } }, t("nav.catalog"))),
    loggedIn ? h("li", {}, h("a", { href: "/orders", dataset: { nav: "orders" } }, t("nav.orders"))) : null,
    // The admin area's slot: its routes are /admin and below (routes.js).
    loggedIn && isAdmin() ? h("li", {}, h("a", { href: "/admin", dataset: { nav: "admin" } }, t("nav.admin"))) : null,
  ];
  const tools = [
    h("a", { href: "/cart", class: "tool", id: "cart-link", dataset: { nav: "cart" },
      "aria-label": t("nav.cart.count", { count }) },
      icon("cart"),
      h("span", { class: "tool-label" }, t("nav.cart")),
      badge(count, t("nav.cart.count", { count }))),
    loggedIn ? h("a", { href: "/notifications", class: "tool", id: "bell", dataset: { nav: "notifications" },
      "aria-label": t("nav.notifications.count", { count: unread }) },
      icon("bell"),
      h("span", { class: "tool-label" }, t("nav.notifications")),
      h("span", { class: "badge", id: "unread-badge", hidden: unread === 0, "aria-hidden": "true" }, unread > 99 ? "99+" : String(unread))) : null,
    loggedIn
      ? h("a", { href: "/profile", class: "tool", dataset: { nav: "profile" }, "aria-label": t("nav.profile") },
        icon("user"), h("span", { class: "tool-label" }, t("nav.profile")))
      : h("a", { href: "/login", class: "tool", dataset: { nav: "login" }, "aria-label": t("nav.login") },
        icon("user"), h("span", { class: "tool-label" }, t("nav.login"))),
    loggedIn ? h("button", { type: "button", class: "tool link-button", id: "logout", onClick: async () => {
      await logout();
      toast(t("auth.loggedOut"));
      navigate("/");
    } }, t("nav.logout")) : null,
  ];
  const switcher = h("div", { class: "lang", role: "group", "aria-label": t("lang.label") },
    languages.map((code) => h("button", {
      type: "button", lang: code, "aria-pressed": String(code === language()),
      class: code === language() ? "active" : "", onClick: () => setLanguage(code),
    }, code.toUpperCase())));
  header.replaceChildren(
    h("a", { class: "skip", href: "#main" }, t("skip")),
    h("div", { class: "bar" },
      h("a", { href: "/", class: "brand" }, h("span", { "aria-hidden": "true" }, "◆ "), t("brand")),
      searchBox(),
      h("nav", { "aria-label": t("nav.label") }, h("ul", { class: "nav" }, links)),
      h("div", { class: "tools" }, tools, switcher)),
  );
  markCurrent(location.pathname);
}

function markCurrent(pathname) {
  header.querySelectorAll("[data-nav]").forEach((link) => {
    const target = link.getAttribute("href");
    const here = target === "/" ? pathname === "/" : pathname === target || pathname.startsWith(`${target}/`);
    if (here) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  });
}

function setUnread(count) {
  unread = count;
  const node = document.getElementById("unread-badge");
  const bell = document.getElementById("bell");
  if (node) {
    node.textContent = count > 99 ? "99+" : String(count);
    node.hidden = count === 0;
  }
  bell?.setAttribute("aria-label", t("nav.notifications.count", { count }));
}

live.addEventListener("hello", (event) => setUnread(event.detail.unread ?? 0));
live.addEventListener("unread", (event) => setUnread(event.detail.unread ?? 0));
live.addEventListener("notification", (event) => {
  if (!location.pathname.startsWith("/notifications")) toast(event.detail.title || t("notifications.new"), "info");
});
cartEvents.addEventListener("change", drawHeader);
// A session that ends by itself (its refresh refused) says so; one that ends or starts in
// another tab redraws this one's view too (pages that need a user then ask to log in).
let hadSession = Boolean(session());
onSession((current, reason) => {
  const changed = Boolean(current) !== hadSession;
  hadSession = Boolean(current);
  if (!current) unread = 0;
  drawHeader();
  if (reason === "expired") toast(t("auth.expired"));
  if (reason === "expired" || (reason === "storage" && changed)) render();
});
window.addEventListener("languagechange", (event) => {
  drawHeader();
  render();
  // Notifications are written in the user's language: follow the switch.
  if (session()) api.put("/api/notifications/preferences", { language: event.detail }).catch(() => {});
});

drawHeader();
startLive();
// After a navigation (not on the first load, where Tab must reach the skip link first),
// focus moves to the new content, as a page load would for a screen reader.
let firstView = true;
start(main, (pathname) => {
  markCurrent(pathname);
  if (!firstView) main.focus({ preventScroll: true });
  firstView = false;
});
