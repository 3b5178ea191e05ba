// /admin/dead-letters: the events each service's consumers gave up on, newest first, one
// section per service (each asks its own /api/<service>/dead-letters, so one service down
// does not hide the others), with a Replay button that asks first and says what happened.

import { api } from "../api.js";
import { dateTime, t } from "../i18n.js";
import { empty, h, loading, toast } from "../ui.js";
import { adminPage, cell, onClick, pagedTable, unavailable } from "./common.js";

// The services with consumers of their own, in the order of the gateway's list.
export const SERVICES = ["auth", "catalog", "orders", "payments", "reviews", "notifications", "analytics"];

export async function render({ root, signal }) {
  const sections = SERVICES.map((service) => {
    const results = h("div", { class: "dlq-results" }, loading());
    const section = h("section", { class: "panel dlq-service", dataset: { service },
      "aria-labelledby": `dlq-${service}` },
    h("h2", { id: `dlq-${service}` }, t(`admin.dlq.service.${service}`)), results);
    return { service, section, results };
  });
  adminPage(root, "/admin/dead-letters", t("admin.dlq.title"),
    h("p", { class: "lead" }, t("admin.dlq.intro")),
    sections.map(({ section }) => section),
    h("p", { class: "hint" }, t("admin.dlq.cli")));
  await Promise.all(sections.map(({ service, results }) => serviceLetters(service, results, signal)));
}

function serviceLetters(service, results, signal) {
  const base = `/api/${service}/dead-letters`;
  return pagedTable(results, {
    signal,
    load: (cursor) => api.get(base, { limit: 20, cursor }, { signal }),
    heading: (first) => h("p", { class: "muted" }, first.consumers?.length
      ? t("admin.dlq.consumers", { names: first.consumers.join(", ") })
      : t("admin.dlq.noConsumers")),
    none: t("admin.dlq.none"),
    failedAs: (error) => (unavailable(error) ? empty(t("admin.dlq.unavailable")) : null),
    caption: t("admin.dlq.service." + service),
    columns: [
      ["failed", t("admin.dlq.failedAt")], ["consumer", t("admin.dlq.consumer")],
      ["subject", t("admin.dlq.subject")], ["error", t("admin.dlq.error")],
      ["tries", t("admin.dlq.tries"), { numeric: true }], ["ids", t("admin.dlq.ids")],
      ["payload", t("admin.dlq.payload")], ["actions", t("admin.actions")],
    ],
    rows: (items) => items.map((letter) => letterRow(base, letter)),
  });
}

function letterRow(base, letter) {
  const actions = cell(t("admin.actions"), null);
  const replay = h("button", { type: "button", class: "button small primary",
    "aria-label": t("admin.dlq.replayOf", { id: letter.id, subject: letter.subject }) }, t("admin.dlq.replay"));
  actions.append(onClick(replay, async () => {
    if (!window.confirm(t("admin.dlq.replayConfirm", { subject: letter.subject, consumer: letter.consumer }))) return;
    await api.post(`${base}/${letter.id}/replay`);
    toast(t("admin.dlq.replayed", { id: letter.id, consumer: letter.consumer }), "success");
    actions.replaceChildren(h("span", { class: "status status-delivered", role: "status" }, t("admin.dlq.replayedBadge")));
  }));
  const ids = [
    letter.event_id ? [t("admin.dlq.eventId"), letter.event_id] : null,
    letter.trace_id ? [t("admin.dlq.traceId"), letter.trace_id] : null,
  ].filter(Boolean);
  return h("tr", { dataset: { letter: String(letter.id) } },
    cell(t("admin.dlq.failedAt"), letter.failed_at
      ? h("time", { datetime: letter.failed_at }, dateTime(letter.failed_at)) : "—"),
    cell(t("admin.dlq.consumer"), letter.consumer),
    cell(t("admin.dlq.subject"), h("code", {}, letter.subject), { className: "title" }),
    cell(t("admin.dlq.error"), h("span", { class: "dlq-error" }, letter.error || "—")),
    cell(t("admin.dlq.tries"), letter.deliveries ?? "—", { numeric: true }),
    cell(t("admin.dlq.ids"), ids.length
      ? h("dl", { class: "dlq-ids" }, ids.flatMap(([name, value]) => [h("dt", {}, name), h("dd", {}, h("code", {}, value))]))
      : "—"),
    cell(t("admin.dlq.payload"), h("code", { class: "dlq-payload" }, letter.payload_preview)),
    actions);
}
