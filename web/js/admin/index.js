// The admin area's entry: every path from /admin down comes here (routes.js). A placeholder
// until the admin area is built; it keeps the slot and the access check in place.

import { claims } from "../api.js";
import { t } from "../i18n.js";
import { empty, page, requireUser } from "../ui.js";

export function render({ root }) {
  if (!requireUser(root, t("nav.admin"))) return;
  if (claims()?.role !== "admin") {
    page(root, t("nav.admin"), empty(t("admin.only")));
    return;
  }
  page(root, t("nav.admin"), empty(t("admin.coming")));
}
