// /admin/products/new and /admin/products/<id>: the product's form (title, description,
// price in roubles, category, kind, stock, attributes), its images (upload, remove) and its
// status (archive, bring back). The API's field errors land next to their fields.

import { api } from "../api.js";
import { t } from "../i18n.js";
import { failed, field, form, h, loading, toast } from "../ui.js";
import { adminPage, categoryChoices, fieldError, minorToInput, onClick, parseMoney } from "./common.js";

export async function render({ root, params, signal, navigate }) {
  const creating = params.id === "new";
  adminPage(root, "/admin/products", creating ? t("admin.product.newTitle") : t("admin.product.editTitle"), loading());
  let product = null;
  let categories;
  try {
    [product, categories] = await Promise.all([
      creating ? null : api.get(`/api/catalog/products/${params.id}`, undefined, { signal }),
      categoryChoices({ signal }),
    ]);
  } catch (error) {
    if (!signal.aborted) adminPage(root, "/admin/products", t("admin.product.editTitle"), failed(error));
    return;
  }
  if (signal.aborted) return;
  draw(root, product, categories.flat, navigate);
}

function attributesText(attributes) {
  return Object.entries(attributes || {}).map(([name, value]) => `${name} = ${value}`).join("\n");
}

// "name = value" lines → {name: value}; numbers and true/false keep their type.
function parseAttributes(text) {
  const out = {};
  for (const [index, raw] of String(text || "").split("\n").entries()) {
    const line = raw.trim();
    if (!line) continue;
    const at = line.indexOf("=");
    if (at < 1) throw fieldError("attributes", t("admin.product.attributes.bad", { line: index + 1 }));
    const name = line.slice(0, at).trim();
    const value = line.slice(at + 1).trim();
    if (value === "true" || value === "false") out[name] = value === "true";
    else if (/^-?\d+(\.\d+)?$/.test(value)) out[name] = Number(value);
    else out[name] = value;
  }
  return out;
}

function draw(root, product, categories, navigate) {
  const creating = !product;
  const kind = product?.kind || "product";
  const stockField = field({
    name: "stock", label: t("admin.product.stock"), type: "number", min: 0, step: 1, inputmode: "numeric",
    value: product?.stock ?? (creating ? 0 : ""), hint: t("admin.product.stock.hint"),
  });
  const kindField = field({
    name: "kind", label: t("admin.product.kind"), type: "select", value: kind, disabled: !creating,
    hint: creating ? t("admin.product.kind.hint") : t("admin.product.kind.fixed"),
    choices: [["product", t("kind.product")], ["service", t("kind.service")]],
  });
  const showStock = (value) => { stockField.hidden = value === "service"; };
  showStock(kind);
  kindField.querySelector("select").addEventListener("change", (event) => showStock(event.target.value));

  const fields = [
    field({ name: "title", label: t("admin.product.title"), required: true, maxlength: 1000, value: product?.title }),
    field({ name: "description", label: t("admin.product.description"), type: "textarea", maxlength: 20000, rows: 5, value: product?.description }),
    h("div", { class: "row" },
      field({ name: "price", label: t("admin.product.price"), required: true, inputmode: "decimal",
        value: minorToInput(product?.price), hint: t("admin.product.price.hint"), autocomplete: "off" }),
      field({ name: "currency", label: t("admin.product.currency"), maxlength: 3, value: product?.currency || "RUB",
        autocomplete: "off", pattern: "[A-Za-z]{3}", hint: t("admin.product.currency.hint") })),
    field({ name: "category_id", label: t("admin.product.category"), type: "select", required: true,
      value: product?.category?.id || "",
      choices: [["", t("admin.product.category.choose")], ...categories.map((item) => [item.id, item.path])] }),
    h("div", { class: "row" }, kindField, stockField),
    field({ name: "attributes", label: t("admin.product.attributes"), type: "textarea", rows: 4,
      value: attributesText(product?.attributes), hint: t("admin.product.attributes.hint") }),
  ];

  const editor = form({
    fields,
    submit: creating ? t("admin.product.create") : t("admin.save"),
    onSubmit: async (values) => {
      const price = parseMoney(values.price);
      if (price === null || price <= 0) throw fieldError("price", t("admin.product.price.bad"));
      if (!values.category_id) throw fieldError("category_id", t("admin.product.category.choose"));
      const body = {
        title: values.title.trim(),
        description: values.description,
        price,
        currency: values.currency.trim().toUpperCase(),
        category_id: values.category_id,
        attributes: parseAttributes(values.attributes),
      };
      const chosenKind = creating ? values.kind : product.kind;
      if (chosenKind !== "service") {
        if (values.stock === "" || !/^\d+$/.test(values.stock)) throw fieldError("stock", t("admin.product.stock.bad"));
        body.stock = Number(values.stock);
      }
      if (creating) {
        body.kind = values.kind;
        const made = await api.post("/api/catalog/products", body);
        toast(t("admin.product.created"), "success");
        navigate(`/admin/products/${made.id}`, { replace: true });
      } else {
        const saved = await api.patch(`/api/catalog/products/${product.id}`, body);
        Object.assign(product, saved);
        toast(t("admin.product.saved"), "success");
      }
    },
  });

  const sections = [
    creating ? null : statusPanel(product, root, categories, navigate),
    h("section", { class: "panel main-col", "aria-labelledby": "product-details" },
      h("h2", { id: "product-details" }, t("admin.product.details")), editor),
    creating ? h("p", { class: "muted side-col" }, t("admin.product.imagesAfter")) : imagesPanel(product),
  ];
  adminPage(root, "/admin/products", creating ? t("admin.product.newTitle") : product.title,
    h("p", { class: "crumbs" }, h("a", { href: "/admin/products" }, t("admin.product.back"))),
    h("div", { class: "admin-columns" }, sections));
}

function statusPanel(product, root, categories, navigate) {
  const archived = product.status === "archived";
  const button = h("button", { type: "button", class: archived ? "button" : "button danger" },
    archived ? t("admin.product.restore") : t("admin.products.archive"));
  onClick(button, async () => {
    if (!archived && !window.confirm(t("admin.products.archiveConfirm", { title: product.title }))) return;
    const saved = archived
      ? await api.patch(`/api/catalog/products/${product.id}`, { status: "active" })
      : (await api.del(`/api/catalog/products/${product.id}`),
        await api.get(`/api/catalog/products/${product.id}`));
    toast(archived ? t("admin.product.restored") : t("admin.products.archived", { title: product.title }), "success");
    draw(root, saved, categories, navigate);
    root.querySelector(".product-status button")?.focus();
  });
  return h("section", { class: "panel product-status side-col", "aria-labelledby": "product-status" },
    h("h2", { id: "product-status" }, t("admin.product.status")),
    h("p", {}, h("span", { class: `status status-${product.status}` }, t(`admin.product.status.${product.status}`)),
      " ", h("a", { href: `/products/${product.id}` }, t("admin.product.view"))),
    h("p", { class: "hint" }, archived ? t("admin.product.archivedHint") : t("admin.product.activeHint")),
    button);
}

function imagesPanel(product) {
  const list = h("ul", { class: "admin-images" });
  const drawImages = () => {
    list.replaceChildren(...(product.images || []).map((image, index) => {
      const remove = h("button", { type: "button", class: "button small danger",
        "aria-label": t("admin.product.image.removeN", { n: index + 1 }) }, t("admin.product.image.remove"));
      onClick(remove, async () => {
        await api.del(`/api/catalog/products/${product.id}/images/${image.id}`);
        product.images = product.images.filter((other) => other.id !== image.id);
        drawImages();
        toast(t("admin.product.image.removed"), "success");
        upload.querySelector("input")?.focus();
      });
      return h("li", {}, h("img", { src: image.small_url || image.url, alt: t("admin.product.image.n", { n: index + 1 }), width: 120, height: 120 }), remove);
    }));
    if (!product.images?.length) list.append(h("li", { class: "muted none" }, t("admin.product.image.none")));
  };
  drawImages();
  const upload = form({
    className: "form upload",
    fields: [field({ name: "file", label: t("admin.product.image.file"), type: "file",
      accept: "image/jpeg,image/png,image/webp", hint: t("admin.product.image.hint") })],
    submit: t("admin.product.image.upload"),
    onSubmit: async (values, element) => {
      if (!values.file) throw fieldError("file", t("admin.product.image.choose"));
      const data = new FormData();
      data.append("file", values.file);
      const image = await api.post(`/api/catalog/products/${product.id}/images`, undefined, { form: data });
      product.images = [...(product.images || []), image];
      drawImages();
      element.reset();
      toast(t("admin.product.image.uploaded"), "success");
    },
  });
  return h("section", { class: "panel side-col", "aria-labelledby": "product-images" },
    h("h2", { id: "product-images" }, t("admin.product.images")), list, upload);
}

