// /admin/dead-letters: where an operator sees the events a consumer gave up on. No service
// answers them over the public API (they live in the broker's DLQ stream, read by the
// `marketplace dlq` commands on the server), so this page says so and shows the commands,
// rather than pretending there is nothing to see.

import { t } from "../i18n.js";
import { h } from "../ui.js";
import { adminPage } from "./common.js";

export function render({ root }) {
  const command = (text) => h("pre", { class: "command" }, h("code", {}, text));
  adminPage(root, "/admin/dead-letters", t("admin.dlq.title"),
    h("div", { class: "notice warn", role: "status" },
      h("strong", {}, t("admin.dlq.noApi")), t("admin.dlq.noApi.text")),
    h("section", { class: "panel", "aria-labelledby": "dlq-what" },
      h("h2", { id: "dlq-what" }, t("admin.dlq.what")),
      h("p", {}, t("admin.dlq.what.text"))),
    h("section", { class: "panel", "aria-labelledby": "dlq-how" },
      h("h2", { id: "dlq-how" }, t("admin.dlq.how")),
      h("p", {}, t("admin.dlq.list")),
      command(".venv/bin/marketplace dlq list"),
      h("p", {}, t("admin.dlq.replay")),
      command(".venv/bin/marketplace dlq replay <SEQ>"),
      h("p", { class: "hint" }, t("admin.dlq.docs"))));
}
