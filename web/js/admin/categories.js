// /admin/categories: the category tree, editable. A new category (top level or under a
// parent); each node can be renamed, moved under another parent (or to the top) and
// deleted when it holds nothing (the API refuses otherwise, and says why next to the form).

import { api } from "../api.js";
import { t, tn } from "../i18n.js";
import { failed, field, form, h, loading, showErrors, toast } from "../ui.js";
import { adminPage, categoryChoices, onClick } from "./common.js";

export async function render({ root, signal }) {
  adminPage(root, "/admin/categories", t("admin.categories.title"), loading());
  await refresh(root, signal, undefined);
}

async function refresh(root, signal, focusId) {
  let data;
  try {
    data = await categoryChoices({ signal });
  } catch (error) {
    if (!signal?.aborted) adminPage(root, "/admin/categories", t("admin.categories.title"), failed(error));
    return;
  }
  if (signal?.aborted) return;
  const again = (id) => refresh(root, signal, id);
  const tree = h("ul", { class: "admin-tree", role: "list" }, data.tree.map((node) => branch(node, data.flat, again)));
  adminPage(root, "/admin/categories", t("admin.categories.title"),
    h("p", { class: "lead" }, t("admin.categories.lead")),
    h("div", { class: "admin-columns" },
      h("section", { class: "panel main-col", "aria-labelledby": "tree-title" },
        h("h2", { id: "tree-title" }, t("admin.categories.tree")),
        data.tree.length ? tree : h("p", { class: "muted" }, t("admin.categories.none"))),
      h("section", { class: "panel side-col", "aria-labelledby": "new-category" },
        h("h2", { id: "new-category" }, t("admin.categories.new")),
        createForm(data.flat, again))));
  // After a change, keep the keyboard where the change was (or on the heading).
  if (focusId !== undefined) {
    const node = focusId && root.querySelector(`[data-category="${CSS.escape(focusId)}"] > .node > .node-name`);
    (node || root.querySelector("h1"))?.focus();
  }
}

function parentChoices(flat, exclude = null) {
  // A category cannot move into itself or below itself.
  const blocked = new Set();
  if (exclude) {
    const walk = (node) => { blocked.add(node.id); (node.children || []).forEach(walk); };
    walk(exclude);
  }
  return [["", t("admin.categories.top")],
    ...flat.filter((item) => !blocked.has(item.id)).map((item) => [item.id, item.path])];
}

function createForm(flat, again) {
  return form({
    fields: [
      field({ name: "name", label: t("admin.categories.name"), required: true, maxlength: 1000 }),
      field({ name: "parent_id", label: t("admin.categories.parent"), type: "select", choices: parentChoices(flat) }),
    ],
    submit: t("admin.categories.create"),
    onSubmit: async (values) => {
      const made = await api.post("/api/catalog/categories", {
        name: values.name.trim(), parent_id: values.parent_id || null,
      });
      toast(t("admin.categories.created", { name: made.name }), "success");
      await again(made.id);
    },
  });
}

function branch(node, flat, again) {
  const count = tn("admin.categories.products", node.product_count ?? 0);
  const editor = h("div", { class: "node-editor", hidden: true });
  const toggle = h("button", { type: "button", class: "button small", "aria-expanded": "false",
    "aria-label": t("admin.categories.editNamed", { name: node.name }) }, t("admin.edit"));
  toggle.addEventListener("click", () => {
    const open = editor.hidden;
    editor.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open) {
      editor.replaceChildren(editForm(node, flat, again));
      editor.querySelector("input")?.focus();
    }
  });
  return h("li", { dataset: { category: node.id } },
    h("div", { class: "node" },
      h("span", { class: "node-name", tabindex: "-1" }, node.name),
      h("span", { class: "count muted" }, count),
      toggle),
    editor,
    node.children?.length
      ? h("ul", { role: "list" }, node.children.map((child) => branch(child, flat, again)))
      : null);
}

function editForm(node, flat, again) {
  const self = flat.find((item) => item.id === node.id) || node;
  const remove = h("button", { type: "button", class: "button danger" }, t("admin.categories.delete"));
  const element = form({
    className: "form node-form",
    fields: [
      field({ name: "name", label: t("admin.categories.name"), required: true, maxlength: 1000, value: node.name }),
      field({ name: "parent_id", label: t("admin.categories.parent"), type: "select",
        value: node.parent_id || "", choices: parentChoices(flat, self) }),
    ],
    submit: t("admin.save"),
    onSubmit: async (values) => {
      const body = {};
      if (values.name.trim() !== node.name) body.name = values.name.trim();
      if ((values.parent_id || null) !== (node.parent_id || null)) body.parent_id = values.parent_id || null;
      if (!Object.keys(body).length) {
        toast(t("admin.nothingChanged"));
        return;
      }
      await api.patch(`/api/catalog/categories/${node.id}`, body);
      toast(t("admin.categories.saved", { name: values.name.trim() }), "success");
      await again(node.id);
    },
  });
  // A refusal (the category is not empty) shows in this form, where it was asked.
  onClick(remove, async () => {
    if (!window.confirm(t("admin.categories.deleteConfirm", { name: node.name }))) return;
    await api.del(`/api/catalog/categories/${node.id}`);
    toast(t("admin.categories.deleted", { name: node.name }), "success");
    await again(node.parent_id);
  }, (error) => showErrors(element, error));
  element.querySelector(".actions").append(remove);
  return element;
}
