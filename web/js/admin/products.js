// /admin/products: find products (the catalog's search, by words and category), open one to
// edit it, archive it, or create a new one. The filters live in the URL (?q=&category=).

import { api } from "../api.js";
import { money, t } from "../i18n.js";
import { icon } from "../icons.js";
import { failed, field, h, loading, toast } from "../ui.js";
import { adminPage, categoryChoices, cell, onClick, pagedTable } from "./common.js";

const LIMIT = 20;

export async function render({ root, query, signal, navigate }) {
  const q = query.get("q") || "";
  const category = query.get("category") || "";
  const results = h("section", { "aria-labelledby": "products-found" }, loading());
  const filters = h("form", { class: "admin-filters", role: "search", "aria-label": t("admin.products.search") },
    field({ name: "q", label: t("admin.products.q"), type: "search", value: q }),
    h("div", { class: "field-slot" }, loading()),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "button primary" }, t("admin.filter")),
      h("a", { class: "button", href: "/admin/products/new" }, t("admin.products.new"))));
  adminPage(root, "/admin/products", t("admin.products.title"),
    h("p", { class: "lead" }, t("admin.products.lead")), filters, results);

  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(filters)) if (value) params.set(name, value);
    navigate(`/admin/products${params.size ? `?${params}` : ""}`, { replace: true });
  });

  let names = new Map();
  try {
    const { flat } = await categoryChoices({ signal });
    names = new Map(flat.map((item) => [item.id, item.path]));
    filters.querySelector(".field-slot").replaceWith(field({
      name: "category", label: t("admin.products.category"), type: "select", value: category,
      choices: [["", t("admin.products.allCategories")], ...flat.map((item) => [item.id, `${"· ".repeat(item.depth)}${item.name}`])],
    }));
  } catch (error) {
    if (signal.aborted) return;
    filters.querySelector(".field-slot").replaceWith(failed(error));
  }

  const load = (cursor) => api.get("/api/catalog/products",
    { q, category, limit: LIMIT, cursor, sort: q ? "relevance" : "newest" }, { signal });
  await pagedTable(results, {
    signal, load,
    heading: (first) => h("h2", { id: "products-found", tabindex: "-1" }, t("admin.products.found", { count: first.total ?? first.items.length })),
    none: t("admin.products.none"),
    caption: t("admin.products.title"),
    columns: [
      ["image", t("admin.products.image")], ["title", t("admin.products.name")],
      ["category", t("admin.products.category")], ["price", t("admin.products.price"), { numeric: true }],
      ["stock", t("admin.products.stock"), { numeric: true }], ["actions", t("admin.actions")],
    ],
    rows: (items) => items.map((product) => productRow(product, names)),
  });
}

function productRow(product, names) {
  const image = product.images?.[0];
  const archive = h("button", { type: "button", class: "button small danger" }, t("admin.products.archive"));
  const row = h("tr", { dataset: { product: product.id } },
    cell(t("admin.products.image"), image
      ? h("img", { src: image.small_url || image.url, alt: "", width: 48, height: 48, class: "thumb", loading: "lazy" })
      : h("span", { class: "thumb no-image" }, icon(product.kind === "service" ? "tool" : "box")), { className: "image" }),
    cell(t("admin.products.name"), h("a", { href: `/admin/products/${product.id}` }, product.title), { className: "title" }),
    cell(t("admin.products.category"), names.get(product.category?.id) || product.category?.name || ""),
    cell(t("admin.products.price"), money(product.price, product.currency), { numeric: true }),
    cell(t("admin.products.stock"), product.kind === "service" ? t("kind.service") : String(product.stock ?? 0), { numeric: true }),
    cell(t("admin.actions"), h("div", { class: "row-actions" },
      h("a", { class: "button small", href: `/admin/products/${product.id}`, "aria-label": t("admin.products.editNamed", { title: product.title }) }, t("admin.edit")),
      archive)));
  archive.setAttribute("aria-label", t("admin.products.archiveNamed", { title: product.title }));
  onClick(archive, async () => {
    if (!window.confirm(t("admin.products.archiveConfirm", { title: product.title }))) return;
    await api.del(`/api/catalog/products/${product.id}`);
    toast(t("admin.products.archived", { title: product.title }), "success");
    row.remove();
    document.getElementById("products-found")?.focus();
  });
  return row;
}
