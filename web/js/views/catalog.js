// /catalog: search results and category listings. Everything that decides what is shown is
// in the URL (q, category, min_price, max_price, in_stock, min_rating, sort, page), so a
// link shares exactly this list; prices in the URL are roubles, the API's are kopecks.

import { api } from "../api.js";
import { categories, categoryTree, flatten } from "../categories.js";
import { t, tn } from "../i18n.js";
import { productGrid } from "../products.js";
import { failed, field, h, page, skeletonCards } from "../ui.js";

const PAGE_SIZE = 24;
const SORTS = ["relevance", "popular", "newest", "price_asc", "price_desc", "rating"];
const FILTERS = ["min_price", "max_price", "in_stock", "min_rating"];

function apiQuery(query) {
  const sort = query.get("sort") || (query.get("q") ? "relevance" : "popular");
  const rubles = (name) => {
    const value = Number.parseFloat(query.get(name) || "");
    return Number.isFinite(value) && value >= 0 ? Math.round(value * 100) : undefined;
  };
  const pageNumber = Math.max(1, Number.parseInt(query.get("page") || "1", 10) || 1);
  return {
    q: query.get("q") || undefined,
    category: query.get("category") || undefined,
    min_price: rubles("min_price"),
    max_price: rubles("max_price"),
    in_stock: query.get("in_stock") === "true" ? "true" : undefined,
    min_rating: query.get("min_rating") || undefined,
    sort,
    limit: PAGE_SIZE,
    page: pageNumber,
  };
}

function withParams(query, changes) {
  const next = new URLSearchParams(query);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined || value === null || value === "" || value === false) next.delete(key);
    else next.set(key, value);
  }
  const text = next.toString();
  return `/catalog${text ? `?${text}` : ""}`;
}

function pager(query, pageNumber, total) {
  const pages = Math.ceil(total / PAGE_SIZE);
  if (pages <= 1) return null;
  const link = (n, label, rel) => h("li", {}, h("a", {
    href: withParams(query, { page: n === 1 ? "" : n }), rel,
    "aria-current": n === pageNumber ? "page" : null,
    "aria-label": label === String(n) ? t("pager.page", { n }) : label,
  }, label));
  const numbers = new Set([1, pages, pageNumber - 1, pageNumber, pageNumber + 1]);
  const items = [];
  if (pageNumber > 1) items.push(link(pageNumber - 1, t("pager.prev"), "prev"));
  let last = 0;
  for (const n of [...numbers].filter((n) => n >= 1 && n <= pages).sort((a, b) => a - b)) {
    if (n - last > 1) items.push(h("li", { "aria-hidden": "true" }, h("span", {}, "…")));
    items.push(link(n, String(n)));
    last = n;
  }
  if (pageNumber < pages) items.push(link(pageNumber + 1, t("pager.next"), "next"));
  return h("nav", { "aria-label": t("pager.label") }, h("ul", { class: "pager" }, items));
}

function filtersForm(query, navigate) {
  const rating = query.get("min_rating") || "";
  const formElement = h("form", { class: "form", id: "filters" },
    h("div", { class: "row" },
      field({ name: "min_price", label: t("catalog.minPrice"), type: "number", min: 0, step: "1", inputmode: "numeric", value: query.get("min_price") || "" }),
      field({ name: "max_price", label: t("catalog.maxPrice"), type: "number", min: 0, step: "1", inputmode: "numeric", value: query.get("max_price") || "" })),
    field({ name: "min_rating", label: t("catalog.minRating"), type: "select", value: rating,
      choices: [["", t("catalog.rating.any")], ...[4, 3, 2, 1].map((n) => [String(n), t("catalog.rating.atLeast", { n })])] }),
    field({ name: "in_stock", label: t("catalog.inStock"), type: "checkbox", value: query.get("in_stock") === "true" }),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "button primary" }, t("catalog.apply")),
      h("a", { class: "button", href: withParams(query, Object.fromEntries(FILTERS.map((name) => [name, ""]).concat([["page", ""]]))) }, t("catalog.reset"))));
  formElement.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(formElement);
    navigate(withParams(query, {
      min_price: data.get("min_price"),
      max_price: data.get("max_price"),
      min_rating: data.get("min_rating"),
      in_stock: data.get("in_stock") ? "true" : "",
      page: "",
    }));
  });
  return formElement;
}

export async function render({ root, query, signal, navigate }) {
  const params = apiQuery(query);
  const categoryId = params.category || "";
  const title = params.q ? t("catalog.search.title", { q: params.q }) : t("catalog.title");
  const aside = h("aside", { class: "sidebar" });
  const sortSelect = field({
    name: "sort", label: t("catalog.sort"), type: "select", value: params.sort,
    choices: SORTS.filter((sort) => sort !== "relevance" || params.q).map((sort) => [sort, t(`sort.${sort}`)]),
  });
  sortSelect.querySelector("select").addEventListener("change", (event) => {
    navigate(withParams(query, { sort: event.target.value, page: "" }));
  });
  const count = h("p", { class: "muted", id: "result-count", role: "status" });
  const results = h("div", { id: "results", "aria-busy": "true" }, skeletonCards(8));
  const filters = h("details", { class: "filters panel", open: matchMedia("(min-width: 900px)").matches || FILTERS.some((name) => query.get(name)) },
    h("summary", {}, t("catalog.filters")), filtersForm(query, navigate));
  const heading = page(root, title, h("div", { class: "with-sidebar" },
    h("div", { class: "sidebar-stack" }, filters, aside),
    h("div", { class: "content" }, h("div", { class: "toolbar" }, count, sortSelect), results)));
  categoryTree(aside, { selected: categoryId, params: query.toString(), signal });
  if (categoryId) {
    categories({ signal }).then((items) => {
      const found = flatten(items).find((item) => item.id === categoryId);
      if (found && !params.q) {
        heading.textContent = found.name;
        document.title = `${found.name} · ${t("brand")}`;
      }
    }).catch(() => {});
  }
  try {
    const data = await api.get("/api/catalog/products", params, { signal });
    const total = data.total ?? data.items.length;
    count.textContent = tn("catalog.found", total);
    results.replaceChildren(productGrid(data.items), pager(query, params.page, total));
  } catch (error) {
    if (signal.aborted) return;
    results.replaceChildren(failed(error));
  } finally {
    results.removeAttribute("aria-busy");
  }
}
