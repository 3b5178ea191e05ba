import { t } from "../i18n.js";
import { empty, h, page } from "../ui.js";

export function render({ root }) {
  page(root, t("notFound.title"), empty(t("notFound.text"), h("a", { class: "button", href: "/" }, t("notFound.home"))));
}
