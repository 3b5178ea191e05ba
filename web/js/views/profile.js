// Being built: see web/README.md.
import { t } from "../i18n.js";
import { empty, page } from "../ui.js";

export function render({ root }) {
  page(root, t("brand"), empty(t("loading")));
}
