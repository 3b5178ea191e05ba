// /admin: the analytics dashboard. Sales over time for a period and a granularity (and a
// category), active users, the top products by each measure, the categories, and the last
// hour live (refreshed every 30 s); the sales as CSV. The period lives in the URL.
//
// The analytics service is optional: when its API does not answer (not routed: 404; down:
// no answer or 5xx), the page says "analytics unavailable" and keeps the rest of the admin
// usable, instead of failing.

import { api, request } from "../api.js";
import { locale, money, t } from "../i18n.js";
import { errorText, failed, field, h, loading, showErrors, toast } from "../ui.js";
import { chart, ranking } from "./charts.js";
import { adminPage, categoryChoices, fieldError, onClick, unavailable } from "./common.js";

const LIVE_EVERY = 30_000;
const DAY = 86_400_000;
const GRANULARITIES = ["day", "week", "month"];
const MEASURES = ["revenue", "orders", "views", "rating"];

function isoDay(time) {
  return new Date(time).toISOString().slice(0, 10);
}

function periodLabel(day, granularity) {
  const when = new Date(`${day}T00:00:00Z`);
  const options = granularity === "month"
    ? { month: "short", year: "numeric", timeZone: "UTC" }
    : { day: "numeric", month: "short", timeZone: "UTC" };
  return new Intl.DateTimeFormat(locale(), options).format(when);
}

function compactMoney(minor) {
  return `${new Intl.NumberFormat(locale(), { notation: "compact", maximumFractionDigits: 1 }).format(minor / 100)} ₽`;
}

function count(value) {
  return new Intl.NumberFormat(locale()).format(value ?? 0);
}

function settings(query) {
  const today = isoDay(Date.now());
  const granularity = GRANULARITIES.includes(query.get("granularity")) ? query.get("granularity") : "day";
  return {
    from: query.get("from") || isoDay(Date.now() - 29 * DAY),
    to: query.get("to") || today,
    granularity,
    category: query.get("category") || "",
  };
}

export async function render({ root, query, signal, navigate }) {
  const chosen = settings(query);
  const periodSlot = h("div", { class: "field-slot" });
  const controls = h("form", { class: "admin-filters dashboard-controls", "aria-label": t("admin.dash.period"), novalidate: true },
    h("p", { class: "form-error", role: "alert", tabindex: "-1", hidden: true }),
    field({ name: "from", label: t("admin.dash.from"), type: "date", value: chosen.from, required: true }),
    field({ name: "to", label: t("admin.dash.to"), type: "date", value: chosen.to, required: true }),
    field({ name: "granularity", label: t("admin.dash.granularity"), type: "select", value: chosen.granularity,
      choices: GRANULARITIES.map((name) => [name, t(`admin.dash.by.${name}`)]) }),
    periodSlot,
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "button primary" }, t("admin.dash.show")),
      h("button", { type: "button", class: "button", id: "csv-export" }, t("admin.dash.csv"))));
  const body = h("div", { class: "dashboard" }, loading(t("admin.dash.loading")));
  adminPage(root, "/admin", t("admin.dash.title"), controls, body);

  controls.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(controls));
    if (!values.from) return showErrors(controls, fieldError("from", t("admin.dash.dateNeeded")));
    if (!values.to) return showErrors(controls, fieldError("to", t("admin.dash.dateNeeded")));
    if (values.from > values.to) return showErrors(controls, fieldError("to", t("admin.dash.toBeforeFrom")));
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(values)) if (value) params.set(name, value);
    navigate(`/admin?${params}`, { replace: true });
    return undefined;
  });
  const csv = controls.querySelector("#csv-export");
  onClick(csv, () => exportCsv(chosen),
    (error) => toast(unavailable(error) ? t("admin.dash.unavailable") : errorText(error), "error"));

  let names = new Map();
  try {
    const { flat } = await categoryChoices({ signal });
    names = new Map(flat.map((item) => [item.id, item.path]));
    periodSlot.replaceWith(field({ name: "category", label: t("admin.dash.category"), type: "select", value: chosen.category,
      choices: [["", t("admin.products.allCategories")], ...flat.map((item) => [item.id, `${"· ".repeat(item.depth)}${item.name}`])] }));
  } catch (error) {
    if (signal.aborted) return undefined;
    periodSlot.remove();
  }

  const period = { from: chosen.from, to: chosen.to };
  const [sales, active, categories, ...popular] = await Promise.allSettled([
    api.get("/api/analytics/sales", { ...period, granularity: chosen.granularity, category: chosen.category }, { signal }),
    api.get("/api/analytics/active-users", { ...period, granularity: chosen.granularity }, { signal }),
    api.get("/api/analytics/categories", period, { signal }),
    ...MEASURES.map((by) => api.get("/api/analytics/popular", { ...period, by, category: chosen.category, limit: 5 }, { signal })),
  ]);
  if (signal.aborted) return undefined;
  if (sales.status === "rejected" && unavailable(sales.reason)) {
    body.replaceChildren(unavailableNotice());
    csv.disabled = true;
    return undefined;
  }
  if (sales.status === "rejected" && sales.reason?.status === 422) {
    showErrors(controls, sales.reason);
  }

  // The analytics store knows a product's title from the catalog's events; the demo
  // catalog is loaded without events, so titles it lacks are read from the catalog.
  const untitled = new Set(popular.filter((result) => result.status === "fulfilled")
    .flatMap((result) => result.value.items || []).filter((item) => !item.title).map((item) => item.product_id));
  const titles = await productTitles([...untitled], signal);
  if (signal.aborted) return undefined;

  const live = h("section", { class: "panel live", "aria-labelledby": "live-title" },
    h("h2", { id: "live-title" }, t("admin.dash.live")), loading());
  body.replaceChildren(
    settled(sales, (report) => salesSection(report, chosen)),
    live,
    h("section", { class: "panel", "aria-labelledby": "top-title" },
      h("h2", { id: "top-title" }, t("admin.dash.top")),
      h("div", { class: "dash-grid" }, MEASURES.map((by, index) => settled(popular[index], (report) => topProducts(by, report, titles))))),
    h("div", { class: "dash-grid two" },
      settled(active, (report) => activeSection(report)),
      settled(categories, (report) => categoriesSection(report, names))));

  const refreshLive = async () => {
    try {
      const report = await api.get("/api/analytics/live", undefined, { signal });
      const titles = await productTitles(report.top_products.map((item) => item.product_id), signal);
      if (!signal.aborted) live.replaceChildren(...liveSection(report, titles));
    } catch (error) {
      if (signal.aborted || error?.name === "AbortError") return;
      live.replaceChildren(h("h2", { id: "live-title" }, t("admin.dash.live")),
        unavailable(error) ? h("p", { class: "muted" }, t("admin.dash.unavailable")) : failed(error));
    }
  };
  refreshLive();
  const timer = setInterval(refreshLive, LIVE_EVERY);
  return () => clearInterval(timer);
}

function unavailableNotice() {
  return h("div", { class: "notice warn analytics-unavailable", role: "status" },
    h("strong", {}, t("admin.dash.unavailable")), t("admin.dash.unavailable.text"));
}

function settled(result, build) {
  if (result.status === "fulfilled") return build(result.value);
  const error = result.reason;
  return h("div", { class: "panel" }, unavailable(error) ? h("p", { class: "muted" }, t("admin.dash.unavailable")) : failed(error));
}

function tile(label, value, note) {
  return h("li", { class: "tile" }, h("span", { class: "tile-label" }, label), h("strong", {}, value),
    note ? h("span", { class: "tile-note muted" }, note) : null);
}

function salesSection(report, chosen) {
  const labels = report.periods.map((item) => periodLabel(item.period, report.granularity));
  const totals = report.totals || {};
  const by = t(`admin.dash.by.${report.granularity}`).toLowerCase();
  const revenue = report.periods.map((item) => item.revenue);
  const best = revenue.length ? revenue.indexOf(Math.max(...revenue)) : -1;
  const labelHead = t(`admin.dash.periodOf.${report.granularity}`);
  return h("section", { class: "panel", "aria-labelledby": "sales-title" },
    h("h2", { id: "sales-title" }, t("admin.dash.sales")),
    h("p", { class: "muted" }, t("admin.dash.sales.range", { from: periodLabel(report.from, "day"), to: periodLabel(report.to, "day"), by })),
    h("ul", { class: "tiles" },
      tile(t("admin.dash.revenue"), money(totals.revenue ?? 0)),
      tile(t("admin.dash.orders"), count(totals.orders)),
      tile(t("admin.dash.paidOrders"), count(totals.paid_orders)),
      tile(t("admin.dash.aov"), money(totals.average_order_value ?? 0)),
      tile(t("admin.dash.refunds"), money(totals.refunds ?? 0))),
    h("div", { class: "dash-grid two" },
      chart({
        kind: "line", title: t("admin.dash.revenueOver", { by }), labels, labelHead,
        series: [{ name: t("admin.dash.revenue"), values: revenue, format: (value) => money(value) }],
        formatY: compactMoney,
        summary: best >= 0 && revenue[best] > 0
          ? t("admin.dash.revenue.summary", { total: money(totals.revenue ?? 0), best: labels[best], amount: money(revenue[best]) })
          : t("admin.dash.noSales"),
      }),
      chart({
        kind: "line", title: t("admin.dash.ordersOver", { by }), labels, labelHead,
        series: [
          { name: t("admin.dash.orders"), values: report.periods.map((item) => item.orders), format: count },
          { name: t("admin.dash.paidOrders"), values: report.periods.map((item) => item.paid_orders), format: count },
        ],
        formatY: count,
        summary: t("admin.dash.orders.summary", { orders: count(totals.orders), paid: count(totals.paid_orders) }),
      })),
    chosen.category ? h("p", { class: "hint" }, t("admin.dash.categoryNote")) : null);
}

function activeSection(report) {
  const labels = report.periods.map((item) => periodLabel(item.period, report.granularity));
  const values = report.periods.map((item) => item.active_users);
  return h("section", { class: "panel", "aria-labelledby": "active-title" },
    h("h2", { id: "active-title" }, t("admin.dash.active")),
    chart({
      kind: "bar", title: t("admin.dash.activeOver", { by: t(`admin.dash.by.${report.granularity}`).toLowerCase() }), labels,
      labelHead: t(`admin.dash.periodOf.${report.granularity}`),
      series: [{ name: t("admin.dash.activeUsers"), values, format: count }],
      formatY: count,
      summary: t("admin.dash.active.summary", { most: count(Math.max(0, ...values)) }),
    }));
}

function measureText(by, item) {
  if (by === "revenue") return money(item.revenue);
  if (by === "rating") return item.average_rating === null ? "—" : `★ ${item.average_rating.toFixed(2)} (${count(item.reviews)})`;
  return count(item[by]);
}

function topProducts(by, report, titles) {
  const items = (report.items || []).map((item) => ({
    label: item.title || titles.get(item.product_id) || item.product_id,
    href: `/admin/products/${item.product_id}`,
    value: by === "rating" ? item.average_rating || 0 : item[by] || 0,
    text: measureText(by, item),
  }));
  return h("div", { class: "top", dataset: { measure: by } },
    ranking({ title: t(`admin.dash.top.${by}`), items, empty: t("admin.dash.none") }));
}

function categoriesSection(report, names) {
  const items = [...(report.items || [])].sort((a, b) => b.revenue - a.revenue).slice(0, 10).map((item) => ({
    label: names.get(item.category_id) || t("admin.dash.unknownCategory"),
    value: item.revenue,
    text: `${money(item.revenue)} · ${t("admin.dash.units", { count: count(item.units) })}`,
  }));
  return h("section", { class: "panel", "aria-labelledby": "categories-title" },
    h("h2", { id: "categories-title" }, t("admin.dash.categories")),
    ranking({ title: t("admin.dash.categories.byRevenue"), items, empty: t("admin.dash.none") }));
}

async function productTitles(ids, signal) {
  const found = await Promise.allSettled(ids.map((id) => api.get(`/api/catalog/products/${id}`, undefined, { signal })));
  return new Map(ids.map((id, index) => [id, found[index].status === "fulfilled" ? found[index].value.title : id]));
}

function liveSection(report, titles) {
  const time = new Intl.DateTimeFormat(locale(), { timeStyle: "short" });
  return [
    h("h2", { id: "live-title" }, t("admin.dash.live")),
    h("p", { class: "muted" }, t("admin.dash.live.range", { since: time.format(new Date(report.since)), until: time.format(new Date(report.until)) })),
    h("ul", { class: "tiles" },
      tile(t("admin.dash.orders"), count(report.orders)),
      tile(t("admin.dash.paidOrders"), count(report.paid_orders)),
      tile(t("admin.dash.revenue"), money(report.revenue)),
      tile(t("admin.dash.activeUsers"), count(report.active_users))),
    ranking({
      title: t("admin.dash.live.top"),
      items: report.top_products.map((item) => ({
        label: titles.get(item.product_id) || item.product_id, href: `/admin/products/${item.product_id}`,
        value: item.units, text: t("admin.dash.units", { count: count(item.units) }),
      })),
      empty: t("admin.dash.live.none"),
    }),
  ];
}

// The CSV needs the admin's token, so a plain link cannot fetch it: it is read through the
// API client and handed to the browser as a download.
async function exportCsv(chosen) {
  const text = await request("GET", "/api/analytics/sales", {
    query: { from: chosen.from, to: chosen.to, granularity: chosen.granularity, category: chosen.category, format: "csv" },
    headers: { Accept: "text/csv" },
  });
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const link = h("a", { href: url, download: `sales-${chosen.from}-${chosen.to}-${chosen.granularity}.csv`, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  toast(t("admin.dash.csv.done"), "success");
}
