// The admin area's entry: every path from /admin down comes here (routes.js). It links the
// admin's stylesheet once (so the shop's pages never download it), adds the admin's texts,
// checks the role, and hands the path below /admin to the page that owns it.

import { claims } from "../api.js";
import { t } from "../i18n.js";
import { empty, page, requireUser } from "../ui.js";
import "./locales.js";

const PAGES = [
  [/^\/admin\/?$/, () => import("./dashboard.js")],
  [/^\/admin\/products\/?$/, () => import("./products.js")],
  [/^\/admin\/products\/(?<id>new|[0-9a-f-]{36})\/?$/i, () => import("./product-form.js")],
  [/^\/admin\/categories\/?$/, () => import("./categories.js")],
  [/^\/admin\/orders\/?$/, () => import("./orders.js")],
  [/^\/admin\/users\/?$/, () => import("./users.js")],
  [/^\/admin\/dead-letters\/?$/, () => import("./dead-letters.js")],
];

function linkStyle() {
  if (document.getElementById("admin-css")) return;
  const link = document.createElement("link");
  link.id = "admin-css";
  link.rel = "stylesheet";
  // The same versioned asset prefix as this module: ../../css/admin.css from js/admin/.
  link.href = new URL("../../css/admin.css", import.meta.url).href;
  document.head.append(link);
}

export async function render(context) {
  const { root } = context;
  linkStyle();
  if (!requireUser(root, t("admin.title"))) return undefined;
  if (claims()?.role !== "admin") {
    page(root, t("admin.title"), empty(t("admin.only")));
    return undefined;
  }
  const path = location.pathname;
  for (const [pattern, loader] of PAGES) {
    const found = pattern.exec(path);
    if (found) {
      const module = await loader();
      if (context.signal.aborted) return undefined;
      const cleanup = await module.render({ ...context, params: { ...context.params, ...found.groups } });
      return () => {
        root.classList.remove("admin");
        if (typeof cleanup === "function") cleanup();
      };
    }
  }
  const notFound = await import("../views/not-found.js");
  return notFound.render(context);
}
