// /notifications/preferences: each type × channel (in the shop, by email) on or off, and
// the language of letters.

import { api } from "../api.js";
import { t } from "../i18n.js";
import { failed, field, form, h, loading, page, requireUser, toast } from "../ui.js";

const CHANNELS = ["in_app", "email"];

export async function render({ root, signal }) {
  if (!requireUser(root, t("preferences.title"))) return;
  const body = h("div", {}, loading());
  page(root, t("preferences.title"), h("p", { class: "lead" }, t("preferences.lead")), body);
  let preferences;
  try {
    preferences = await api.get("/api/notifications/preferences", undefined, { signal });
  } catch (error) {
    if (!signal.aborted) body.replaceChildren(failed(error));
    return;
  }
  const types = Object.keys(preferences.types);
  const label = (type) => (t(`type.${type}`) === `type.${type}` ? type : t(`type.${type}`));
  const table = h("table", { class: "prefs" },
    h("caption", { class: "visually-hidden" }, t("preferences.title")),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("preferences.type")), CHANNELS.map((channel) => h("th", { scope: "col" }, t(`preferences.${channel}`))))),
    h("tbody", {}, types.map((type) => h("tr", {}, h("th", { scope: "row" }, label(type)),
      CHANNELS.map((channel) => h("td", {}, h("input", {
        type: "checkbox", name: `${type}|${channel}`, checked: preferences.types[type][channel],
        "aria-label": `${label(type)}: ${t(`preferences.${channel}`)}`,
      })))))));
  const element = form({
    className: "form panel prefs-form",
    fields: [
      h("div", { class: "table-scroll" }, table),
      field({ name: "language", label: t("preferences.language"), type: "select", value: preferences.language, choices: [["ru", "Русский"], ["en", "English"]] }),
    ],
    submit: t("preferences.save"),
    onSubmit: async (values) => {
      const changed = { language: values.language, types: {} };
      for (const [name, on] of Object.entries(values)) {
        if (!name.includes("|")) continue;
        const [type, channel] = name.split("|");
        changed.types[type] ||= {};
        changed.types[type][channel] = on;
      }
      preferences = await api.put("/api/notifications/preferences", changed);
      toast(t("preferences.saved"), "success");
    },
  });
  body.replaceChildren(element);
}
