// /admin/users: users, newest first, found by part of the email and by role (?email=,
// ?role=); each row changes the user's role with its own Save (the API keeps the last
// admin, and its refusal shows next to that row's role).

import { api } from "../api.js";
import { date, t } from "../i18n.js";
import { busy, field, h, loading, showErrors, toast } from "../ui.js";
import { adminPage, cell, pagedTable } from "./common.js";

const ROLES = ["user", "admin"];

export async function render({ root, query, signal, navigate }) {
  const email = query.get("email") || "";
  const role = query.get("role") || "";
  const results = h("section", { "aria-labelledby": "users-found" }, loading());
  const filters = h("form", { class: "admin-filters", role: "search", "aria-label": t("admin.users.find") },
    field({ name: "email", label: t("admin.users.email"), type: "search", value: email, autocomplete: "off" }),
    field({ name: "role", label: t("admin.users.role"), type: "select", value: role,
      choices: [["", t("admin.users.anyRole")], ...ROLES.map((name) => [name, t(`admin.role.${name}`)])] }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button primary" }, t("admin.filter"))));
  adminPage(root, "/admin/users", t("admin.users.title"), filters, results);
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(filters)) if (value.trim()) params.set(name, value.trim());
    navigate(`/admin/users${params.size ? `?${params}` : ""}`, { replace: true });
  });

  await pagedTable(results, {
    signal,
    load: (cursor) => api.get("/api/auth/users", { email, role, limit: 20, cursor }, { signal }),
    heading: (first) => h("h2", { id: "users-found" }, t("admin.users.found", { count: first.total ?? first.items.length })),
    none: t("admin.users.none"),
    caption: t("admin.users.title"),
    columns: [
      ["name", t("admin.users.name")], ["email", t("admin.users.email")], ["since", t("admin.users.since")],
      ["role", t("admin.users.role")],
    ],
    rows: (items) => items.map(userRow),
  });
}

function userRow(user) {
  const roleField = field({ name: "role", label: t("admin.users.roleOf", { name: user.name || user.email }),
    type: "select", value: user.role, choices: ROLES.map((name) => [name, t(`admin.role.${name}`)]) });
  roleField.querySelector("label").classList.add("visually-hidden");
  const save = h("button", { type: "submit", class: "button small" }, t("admin.save"));
  const roleForm = h("form", { class: "role-form", novalidate: true },
    h("p", { class: "form-error", role: "alert", tabindex: "-1", hidden: true }), roleField, save);
  roleForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const next = roleForm.elements.role.value;
    if (next === user.role) {
      toast(t("admin.nothingChanged"));
      return;
    }
    busy(save, true);
    try {
      const saved = await api.patch(`/api/auth/users/${user.id}`, { role: next });
      user.role = saved.role;
      roleForm.querySelector(".field-error").textContent = "";
      toast(t("admin.users.saved", { name: user.name || user.email, role: t(`admin.role.${saved.role}`) }), "success");
    } catch (error) {
      showErrors(roleForm, error);
      roleForm.elements.role.value = user.role;
    } finally {
      busy(save, false);
    }
  });
  return h("tr", { dataset: { user: user.id } },
    cell(t("admin.users.name"), user.name || "—", { className: "title" }),
    cell(t("admin.users.email"), h("a", { href: `mailto:${user.email}` }, user.email)),
    cell(t("admin.users.since"), date(user.created_at)),
    cell(t("admin.users.role"), roleForm));
}
