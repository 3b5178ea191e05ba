// How a product looks in a list: a card with its image, title, price (or "service"), rating
// and stock, linking to its page.

import { money, t } from "./i18n.js";
import { icon } from "./icons.js";
import { empty, h, stars } from "./ui.js";

export function productCard(product) {
  const image = product.images?.[0];
  const service = product.kind === "service";
  return h("li", { class: "card" },
    h("a", { href: `/products/${product.id}`, class: "card-link" },
      h("div", { class: "card-image" }, image
        ? h("img", { src: image.small_url || image.url, alt: "", loading: "lazy", width: 320, height: 320 })
        : h("span", { class: "no-image" }, icon(service ? "tool" : "box"))),
      h("span", { class: "card-title" }, product.title)),
    h("div", { class: "card-meta" },
      h("span", { class: "price" }, money(product.price, product.currency)),
      service ? h("span", { class: "tag service" }, t("kind.service")) : null),
    h("div", { class: "card-meta" },
      stars(product.rating?.average || 0, product.rating?.count || 0),
      service ? null : h("span", { class: product.in_stock ? "stock in" : "stock out" },
        product.in_stock ? t("stock.in") : t("stock.out"))));
}

export function productGrid(products) {
  if (!products?.length) return empty(t("catalog.nothing"));
  return h("ul", { class: "cards" }, products.map(productCard));
}
