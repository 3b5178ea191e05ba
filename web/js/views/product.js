// /products/:id (and /products/:id/reviews/:review, where notifications link): the product
// or service with its photos, price, stock, rating figures with the 1–5 distribution, and
// its reviews with comments and likes, and the forms to write them.

import { ApiError, api, claims, session } from "../api.js";
import { addToCart, cartLines } from "../cart.js";
import { dateTime, money, t } from "../i18n.js";
import { empty, errorText, failed, field, form, h, loading, page, stars, toast } from "../ui.js";

const REVIEW_SORTS = ["newest", "liked", "rating_desc", "rating_asc"];

function gallery(product) {
  const images = product.images || [];
  if (!images.length) return h("div", { class: "gallery" }, h("div", { class: "gallery-main" }, h("span", { class: "muted" }, t("product.images"))));
  const main = h("img", { src: images[0].url, alt: product.title, width: 800, height: 800 });
  const thumbs = images.length > 1 ? h("ul", { class: "thumbs", "aria-label": t("product.images") }, images.map((image, index) => h("li", {},
    h("button", {
      type: "button", "aria-current": String(index === 0), "aria-label": t("product.image", { n: index + 1, count: images.length }),
      onClick: (event) => {
        main.src = image.url;
        event.currentTarget.closest("ul").querySelectorAll("button").forEach((button) => button.setAttribute("aria-current", "false"));
        event.currentTarget.setAttribute("aria-current", "true");
      },
    }, h("img", { src: image.small_url || image.url, alt: "", width: 64, height: 64, loading: "lazy" }))))) : null;
  return h("div", { class: "gallery" }, h("div", { class: "gallery-main" }, main), thumbs);
}

function buyBox(product) {
  const service = product.kind === "service";
  const available = service || product.in_stock;
  const inCart = () => cartLines().find((line) => line.product_id === product.id)?.quantity || 0;
  const note = h("p", { class: "muted", role: "status" }, inCart() ? t("product.inCart", { count: inCart() }) : "");
  const quantity = field({ name: "quantity", label: t("product.quantity"), type: "number", value: 1, min: 1, max: service ? 99 : Math.max(product.stock || 1, 1), class: "quantity", inputmode: "numeric" });
  const add = h("button", { type: "button", class: "button primary", id: "add-to-cart", disabled: !available, onClick: () => {
    const count = Math.max(1, Number.parseInt(quantity.querySelector("input").value, 10) || 1);
    addToCart(product, count);
    note.replaceChildren(t("product.inCart", { count: inCart() }), " · ", h("a", { href: "/cart" }, t("product.goToCart")));
    toast(t("product.added"), "success");
  } }, service ? t("product.book") : t("product.addToCart"));
  return h("div", { class: "buy" },
    h("div", { class: "card-meta" }, h("span", { class: "price" }, money(product.price, product.currency)),
      service ? h("span", { class: "tag service" }, t("kind.service")) : null),
    stars(product.rating?.average || 0, product.rating?.count || 0),
    service ? null : h("p", { class: product.in_stock ? "stock in" : "stock out" },
      product.in_stock ? t("stock.left", { count: product.stock }) : t("stock.out")),
    available ? quantity : null, h("div", { class: "actions" }, add), note);
}

function attributeName(name) {
  const known = t(`attr.${name}`);
  if (known !== `attr.${name}`) return known;
  const words = name.replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function details(product) {
  const attributes = Object.entries(product.attributes || {});
  return h("section", { class: "panel", "aria-labelledby": "description-heading" },
    h("h2", { id: "description-heading" }, t("product.description")),
    h("p", { class: "review-text" }, product.description),
    attributes.length ? [h("h3", {}, t("product.attributes")),
      h("dl", { class: "attributes" }, attributes.map(([name, value]) => [h("dt", {}, attributeName(name)), h("dd", {}, String(value))]))] : null);
}

function ratingSummary(rating) {
  const counts = rating.distribution || {};
  const total = rating.count || 0;
  return h("div", { class: "rating-summary", id: "rating-summary" },
    h("div", {}, h("div", { class: "rating-big" }, total ? rating.average.toFixed(1) : "—"), stars(rating.average || 0, total)),
    h("ul", { class: "distribution", "aria-label": t("product.rating") }, [5, 4, 3, 2, 1].map((n) => {
      const count = counts[String(n)] || 0;
      const share = total ? Math.round((count / total) * 100) : 0;
      return h("li", { "aria-label": t("product.distribution", { stars: n, count }) },
        h("span", { "aria-hidden": "true" }, `${n} ★`),
        h("span", { class: "bar-track", "aria-hidden": "true" }, h("span", { class: "bar-fill", style: null, dataset: { share } })),
        h("span", { class: "muted", "aria-hidden": "true" }, String(count)));
    })));
}

// Widths come from data-share through CSSOM (the CSP allows no inline style attribute).
function applyShares(root) {
  root.querySelectorAll(".bar-fill[data-share]").forEach((bar) => {
    bar.style.width = `${bar.dataset.share}%`;
  });
}

function likeButton(kind, item) {
  if (item.author?.id && item.author.id === mineId()) {
    return h("span", { class: "muted likes-count" }, t("reviews.likes", { count: item.likes || 0 }));
  }
  const path = kind === "review" ? `/api/reviews/${item.id}/like` : `/api/reviews/comments/${item.id}/like`;
  let liked = Boolean(item.liked_by_me);
  let likes = item.likes || 0;
  const count = h("span", {}, String(likes));
  const button = h("button", { type: "button", class: "button small like", "aria-pressed": String(liked),
    "aria-label": `${t("reviews.like")} (${likes})` }, h("span", { "aria-hidden": "true" }, "♥ "), count);
  const draw = () => {
    button.setAttribute("aria-pressed", String(liked));
    button.setAttribute("aria-label", `${t("reviews.like")} (${likes})`);
    count.textContent = String(likes);
  };
  button.addEventListener("click", async () => {
    if (!session()) {
      toast(t("reviews.loginToWrite"));
      return;
    }
    button.disabled = true;
    try {
      const answer = liked ? await api.del(path) : await api.put(path);
      liked = !liked;
      likes = typeof answer?.likes === "number" ? answer.likes : likes + (liked ? 1 : -1);
      draw();
    } catch (error) {
      toast(errorText(error), "error");
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

function commentItem(comment) {
  return h("li", { class: "comment", id: `comment-${comment.id}` },
    h("div", { class: "review-head" }, h("strong", {}, comment.author?.name || "—"),
      h("time", { class: "muted", datetime: comment.created_at }, dateTime(comment.created_at))),
    h("p", {}, comment.text),
    h("div", { class: "review-actions" }, likeButton("comment", comment)));
}

function commentsBlock(review, { open = false } = {}) {
  let count = review.comments || 0;
  const list = h("ul", { class: "comments" });
  const region = h("div", { id: `comments-${review.id}`, hidden: true });
  const toggle = h("button", { type: "button", class: "button small", "aria-expanded": "false", "aria-controls": region.id },
    t("reviews.comments", { count }));
  let loaded = false;
  const show = async () => {
    region.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    if (loaded) return;
    loaded = true;
    region.replaceChildren(loading());
    try {
      const data = await api.get(`/api/reviews/${review.id}/comments`, { limit: 100 });
      list.replaceChildren(...data.items.map(commentItem));
      region.replaceChildren(list, session() ? form({
        className: "form comment-form",
        fields: [field({ name: "text", label: t("reviews.comment"), type: "textarea", required: true, maxlength: 2000, rows: 2 })],
        submit: t("reviews.commentSubmit"),
        onSubmit: async (values, element) => {
          const comment = await api.post(`/api/reviews/${review.id}/comments`, { text: values.text });
          list.append(commentItem(comment));
          count += 1;
          toggle.textContent = t("reviews.comments", { count });
          element.reset();
          toast(t("reviews.commented"), "success");
        },
      }) : h("p", { class: "muted" }, t("reviews.loginToWrite")));
      if (location.hash.startsWith("#comment-")) document.getElementById(location.hash.slice(1))?.scrollIntoView();
    } catch (error) {
      loaded = false;
      region.replaceChildren(failed(error));
    }
  };
  toggle.addEventListener("click", () => {
    if (region.hidden) show();
    else {
      region.hidden = true;
      toggle.setAttribute("aria-expanded", "false");
    }
  });
  if (open) show();
  return { toggle, region };
}

function reviewItem(review, { open = false } = {}) {
  const comments = commentsBlock(review, { open });
  const mine = review.author?.id && review.author.id === mineId();
  return h("li", { class: "review", id: `review-${review.id}` },
    h("div", { class: "review-head" },
      h("strong", {}, review.author?.name || "—"),
      h("span", { class: "stars", role: "img", "aria-label": t("reviews.stars", { n: review.rating }) }, h("span", { "aria-hidden": "true" }, "★".repeat(review.rating) + "☆".repeat(5 - review.rating))),
      h("time", { class: "muted", datetime: review.created_at }, dateTime(review.created_at)),
      review.verified_purchase ? h("span", { class: "tag" }, t("reviews.verified")) : null,
      mine ? h("span", { class: "tag service" }, t("reviews.yours")) : null),
    h("p", { class: "review-text" }, review.text),
    h("div", { class: "review-actions" }, likeButton("review", review), comments.toggle),
    comments.region);
}

function mineId() {
  return claims()?.sub || null;
}

function ratingFieldset() {
  return h("fieldset", { class: "rating-input", dataset: { field: "rating" } },
    h("legend", {}, t("reviews.rating")),
    h("div", { class: "choices" }, [5, 4, 3, 2, 1].map((n) => h("label", {},
      h("input", { type: "radio", name: "rating", value: String(n), required: true }),
      h("span", {}, `${n} ★`)))),
    h("p", { class: "field-error", role: "alert" }));
}

function reviewForm(productId, onPosted) {
  if (!session()) return h("p", { class: "muted" }, t("reviews.loginToWrite"), " ", h("a", { href: `/login?next=${encodeURIComponent(location.pathname)}` }, t("nav.login")));
  const element = form({
    className: "form review-form",
    fields: [ratingFieldset(), field({ name: "text", label: t("reviews.text"), type: "textarea", required: true, maxlength: 5000 })],
    submit: t("reviews.submit"),
    onSubmit: async (values, formElement) => {
      const rating = formElement.querySelector("input[name=rating]:checked")?.value;
      if (!rating) throw new ApiError(422, { detail: t("reviews.rating"), errors: [{ field: "rating", message: t("reviews.rating") }] });
      const review = await api.post("/api/reviews", { product_id: productId, rating: Number(rating), text: values.text });
      formElement.reset();
      toast(t("reviews.posted"), "success");
      onPosted(review);
    },
  });
  return h("section", { class: "panel", "aria-labelledby": "write-heading" }, h("h3", { id: "write-heading" }, t("reviews.write")), element);
}

async function reviewsSection(container, productId, { focusReview, signal }) {
  let sort = "newest";
  let cursor = null;
  const list = h("ul", { class: "reviews", id: "reviews-list" });
  const more = h("button", { type: "button", class: "button", hidden: true }, t("reviews.more"));
  const summary = h("div", {}, loading());
  const sorter = field({ name: "review_sort", label: t("reviews.sort"), type: "select", value: sort,
    choices: REVIEW_SORTS.map((name) => [name, t(`reviews.sort.${name}`)]) });
  const refreshRating = async () => {
    try {
      const rating = await api.get(`/api/reviews/products/${productId}/rating`, undefined, { signal });
      summary.replaceChildren(ratingSummary(rating));
      applyShares(summary);
    } catch (error) {
      if (!signal.aborted) summary.replaceChildren(failed(error));
    }
  };
  const load = async (reset) => {
    if (reset) {
      cursor = null;
      list.replaceChildren(h("li", {}, loading()));
    }
    try {
      const data = await api.get("/api/reviews", { product_id: productId, sort, limit: 10, cursor }, { signal });
      if (reset) list.replaceChildren();
      list.append(...data.items.map((review) => reviewItem(review, { open: review.id === focusReview })));
      if (!list.children.length) list.append(h("li", {}, empty(t("reviews.none"))));
      cursor = data.next_cursor;
      more.hidden = !cursor;
    } catch (error) {
      if (!signal.aborted) list.replaceChildren(h("li", {}, failed(error)));
    }
  };
  more.addEventListener("click", () => load(false));
  sorter.querySelector("select").addEventListener("change", (event) => {
    sort = event.target.value;
    load(true);
  });
  container.replaceChildren(
    h("h2", { id: "reviews-heading" }, t("product.reviews")),
    h("div", { class: "columns" },
      h("div", {}, h("div", { class: "toolbar" }, sorter), list, h("div", { class: "actions" }, more)),
      h("div", {}, h("div", { class: "panel" }, summary), reviewForm(productId, (review) => {
        list.querySelector(".empty")?.closest("li")?.remove();
        list.prepend(reviewItem(review));
        refreshRating();
      }))));
  await Promise.all([refreshRating(), load(true)]);
  if (focusReview) document.getElementById(`review-${focusReview}`)?.scrollIntoView();
}

export async function render({ root, params, signal }) {
  root.replaceChildren(loading());
  let product;
  try {
    product = await api.get(`/api/catalog/products/${encodeURIComponent(params.id)}`, undefined, { signal });
  } catch (error) {
    if (signal.aborted) return;
    if (error instanceof ApiError && (error.status === 404 || error.status === 422)) {
      page(root, t("notFound.title"), empty(t("notFound.text"), h("a", { class: "button", href: "/catalog" }, t("nav.catalog"))));
      return;
    }
    root.replaceChildren(failed(error));
    return;
  }
  const path = product.category?.path || [];
  const crumbs = h("nav", { "aria-label": t("product.category") }, h("p", { class: "crumbs" },
    path.map((item, index) => [index ? " › " : "", h("a", { href: `/catalog?category=${item.id}` }, item.name)])));
  const reviews = h("section", { class: "section", id: "reviews", "aria-labelledby": "reviews-heading" });
  page(root, product.title);
  const heading = root.querySelector("h1");
  root.replaceChildren(crumbs, h("div", { class: "product" },
    gallery(product),
    h("div", {}, heading, buyBox(product))), details(product), reviews);
  await reviewsSection(reviews, product.id, { focusReview: params.review, signal });
}
