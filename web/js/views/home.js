// The front page: the category tree and a few products from each sort.
import { api } from "../api.js";
import { t } from "../i18n.js";
import { productGrid } from "../products.js";
import { categoryTree } from "../categories.js";
import { failed, h, page, skeletonCards } from "../ui.js";

export async function render({ root, signal }) {
  const grid = h("section", { class: "section", "aria-labelledby": "popular-heading" },
    h("h2", { id: "popular-heading" }, t("home.popular")), skeletonCards(8));
  const newest = h("section", { class: "section", "aria-labelledby": "newest-heading" },
    h("h2", { id: "newest-heading" }, t("home.newest")), skeletonCards(4));
  const aside = h("aside", { class: "sidebar" });
  page(root, t("home.title"), h("div", { class: "with-sidebar" }, aside, h("div", { class: "content" },
    h("p", { class: "lead" }, t("home.lead")), grid, newest)));
  categoryTree(aside, { signal });
  try {
    const [popular, fresh] = await Promise.all([
      api.get("/api/catalog/products", { sort: "popular", limit: 8 }, { signal }),
      api.get("/api/catalog/products", { sort: "newest", limit: 4 }, { signal }),
    ]);
    grid.lastChild.replaceWith(productGrid(popular.items));
    newest.lastChild.replaceWith(productGrid(fresh.items));
  } catch (error) {
    if (signal.aborted) return;
    grid.lastChild.replaceWith(failed(error));
    newest.remove();
  }
}
