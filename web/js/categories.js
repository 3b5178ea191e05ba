// The category tree (read once per page load and kept), shown as nested links to
// /catalog?category=ID; the current category is marked.

import { api } from "./api.js";
import { t } from "./i18n.js";
import { failed, h, loading } from "./ui.js";

let tree = null;

export async function categories({ signal } = {}) {
  if (!tree) {
    tree = api.get("/api/catalog/categories", undefined, { signal }).then((data) => data.items || [])
      .catch((error) => {
        tree = null;
        throw error;
      });
  }
  return tree;
}

export function flatten(items, depth = 0, out = []) {
  for (const item of items) {
    out.push({ ...item, depth });
    flatten(item.children || [], depth + 1, out);
  }
  return out;
}

function branch(items, selected, params) {
  return h("ul", {}, items.map((item) => {
    const query = new URLSearchParams(params);
    query.set("category", item.id);
    query.delete("page");
    const current = item.id === selected;
    return h("li", {},
      h("a", { href: `/catalog?${query}`, "aria-current": current ? "page" : null, class: current ? "current" : "" },
        item.name, h("span", { class: "count" }, ` ${item.product_count ?? ""}`)),
      item.children?.length ? branch(item.children, selected, params) : null);
  }));
}

// Fill `container` with the tree; `selected`: the current category id; `params`: the other
// filters to keep in the links.
export async function categoryTree(container, { selected = "", params = "", signal } = {}) {
  container.replaceChildren(loading());
  try {
    const items = await categories({ signal });
    const all = new URLSearchParams(params);
    all.delete("category");
    all.delete("page");
    // On a phone the tree folds away (a <details>); on a wide screen it is always open.
    const wide = matchMedia("(min-width: 900px)").matches;
    container.replaceChildren(h("details", { open: wide },
      h("summary", {}, t("catalog.categories")),
      h("nav", { class: "tree", "aria-label": t("catalog.categories") },
        h("ul", {}, h("li", {}, h("a", { href: `/catalog${all.toString() ? `?${all}` : ""}`, class: selected ? "" : "current" }, t("catalog.all")))),
        branch(items, selected, params))));
  } catch (error) {
    if (!signal?.aborted) container.replaceChildren(failed(error));
  }
}
