// What every admin page shares: the section navigation above the heading, responsive
// tables (rows become cards on a phone), "show more" paging by cursor, the category list
// for selects, and small formatters.

import { ApiError, api } from "../api.js";
import { t } from "../i18n.js";
import { busy, empty, errorText, failed, h, toast } from "../ui.js";

export const SECTIONS = [
  ["/admin", "admin.nav.dashboard"],
  ["/admin/products", "admin.nav.products"],
  ["/admin/categories", "admin.nav.categories"],
  ["/admin/orders", "admin.nav.orders"],
  ["/admin/users", "admin.nav.users"],
  ["/admin/dead-letters", "admin.nav.deadLetters"],
];

function sectionNav(current) {
  return h("nav", { class: "admin-nav", "aria-label": t("admin.nav.label") },
    h("ul", {}, SECTIONS.map(([href, key]) => h("li", {},
      h("a", { href, "aria-current": href === current ? "page" : null }, t(key))))));
}

// The page's frame: section tabs, then the heading (focusable, as ui.page makes it), then
// the content. Answers the heading.
export function adminPage(root, section, title, ...children) {
  document.title = `${title} · ${t("admin.title")} · ${t("brand")}`;
  const heading = h("h1", { tabindex: "-1" }, title);
  root.replaceChildren(sectionNav(section), heading, ...children.flat().filter(Boolean));
  root.classList.add("admin");
  return heading;
}

// A table whose rows read as cards below 700 px: every cell carries its column's name.
// columns: [[key, label, {numeric}]]; rows are <tr> built by `row(item)` with `cell()`.
export function table(caption, columns, rows) {
  return h("div", { class: "admin-table-wrap" },
    h("table", { class: "admin-table" },
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", {}, h("tr", {}, columns.map(([key, label, options = {}]) => h("th", {
        scope: "col", class: options.numeric ? "num" : null, dataset: { col: key },
      }, label)))),
      h("tbody", {}, rows)));
}

export function cell(label, content, { numeric = false, className = "" } = {}) {
  return h("td", { class: [numeric ? "num" : "", className].filter(Boolean).join(" ") || null,
    dataset: { label } }, content);
}

// A list the API pages by cursor, drawn into `results`: its heading (built from the first
// page: `heading(page)`), a table (`caption`, `columns`, `rows(items)` → <tr>s), and "Show
// more" while there is a next page; `none` when the first page is empty; an error in place
// (what `failedAs(error)` draws for it, if that draws anything).
export async function pagedTable(results, { signal, load, heading, none, caption, columns, rows, failedAs }) {
  try {
    const first = await load(null);
    if (signal.aborted) return;
    const title = heading(first);
    if (!first.items.length) {
      results.replaceChildren(title, empty(none));
      return;
    }
    const body = table(caption, columns, rows(first.items));
    const more = h("button", { type: "button", class: "button", hidden: !first.next_cursor }, t("admin.more"));
    let cursor = first.next_cursor;
    onClick(more, async () => {
      const page = await load(cursor);
      body.querySelector("tbody").append(...rows(page.items || []));
      cursor = page.next_cursor;
      more.hidden = !cursor;
    });
    results.replaceChildren(title, body, h("div", { class: "actions" }, more));
  } catch (error) {
    if (!signal.aborted) results.replaceChildren(failedAs?.(error) || failed(error));
  }
}

// A button's action: busy while `run()` works (a second click waits for it), its error
// shown by `failedWith` (a toast by default). Answers the button.
export function onClick(button, run, failedWith = (error) => toast(errorText(error), "error")) {
  button.addEventListener("click", async () => {
    if (button.disabled) return;
    busy(button, true);
    try {
      await run();
    } catch (error) {
      if (error?.name !== "AbortError") failedWith(error);
    } finally {
      busy(button, false);
    }
  });
  return button;
}

// Every category as [id, "Parent › Child"] for a select, in tree order.
export async function categoryChoices({ signal } = {}) {
  const data = await api.get("/api/catalog/categories", undefined, { signal });
  const out = [];
  const walk = (items, trail, depth) => {
    for (const item of items) {
      const path = [...trail, item.name];
      out.push({ id: item.id, name: item.name, path: path.join(" › "), depth, parent_id: item.parent_id,
        product_count: item.product_count, children: item.children || [] });
      walk(item.children || [], path, depth + 1);
    }
  };
  walk(data.items || [], [], 0);
  return { tree: data.items || [], flat: out };
}

// A short way to name an order or a user in a list, as the shop's pages do: the end of its
// UUID v7 (the start is the time, shared by ids made together).
export function shortId(id) {
  return String(id || "").slice(-8);
}

// An ApiError naming one field, for checks made before sending (shown as the API's are).
export function fieldError(name, message) {
  return new ApiError(422, { title: message, errors: [{ field: name, message }] });
}

// Roubles typed by a person ("1 499,90", "1499.9") → kopecks, or null.
export function parseMoney(text) {
  const clean = String(text || "").replace(/[\s\u00a0₽]/g, "").replace(",", ".");
  if (!/^\d+(\.\d{1,2})?$/.test(clean)) return null;
  const [whole, fraction = ""] = clean.split(".");
  return Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
}

export function minorToInput(minor) {
  if (minor === null || minor === undefined) return "";
  const whole = Math.floor(minor / 100);
  const rest = minor % 100;
  return rest ? `${whole}.${String(rest).padStart(2, "0")}` : String(whole);
}

export function statusBadge(name) {
  return h("span", { class: `status status-${name}` }, t(`status.${name}`));
}

// The analytics service is optional: a 404 on its prefix (not routed), no answer or a 5xx
// means "not available", which pages show as a state rather than an error.
export function unavailable(error) {
  return error instanceof ApiError && (error.status === 0 || error.status === 404 || error.status >= 500);
}
