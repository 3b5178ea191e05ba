// /login and /register. After either, back to ?next= (a path of this site) or home.

import { api, login, register } from "../api.js";
import { language, t } from "../i18n.js";
import { field, form, h, page, toast } from "../ui.js";

function nextPath(query) {
  const next = query.get("next") || "/";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function render({ root, query, navigate }) {
  const registering = location.pathname === "/register";
  const next = nextPath(query);
  const suffix = query.get("next") ? `?next=${encodeURIComponent(next)}` : "";
  const fields = registering
    ? [
      field({ name: "name", label: t("auth.name"), autocomplete: "name", required: true, maxlength: 100 }),
      field({ name: "email", label: t("auth.email"), type: "email", autocomplete: "email", required: true }),
      field({ name: "password", label: t("auth.password"), type: "password", autocomplete: "new-password", required: true, minlength: 8, hint: t("auth.password.hint") }),
    ]
    : [
      field({ name: "email", label: t("auth.email"), type: "email", autocomplete: "username", required: true }),
      field({ name: "password", label: t("auth.password"), type: "password", autocomplete: "current-password", required: true }),
    ];
  const element = form({
    className: "form narrow",
    fields,
    submit: registering ? t("auth.register.submit") : t("auth.login.submit"),
    onSubmit: async (values) => {
      if (registering) {
        await register(values.name.trim(), values.email.trim(), values.password);
        api.put("/api/notifications/preferences", { language: language() }).catch(() => {});
      }
      else await login(values.email.trim(), values.password);
      toast(registering ? t("auth.welcome") : t("auth.loggedIn"), "success");
      navigate(next, { replace: true });
    },
  });
  const other = registering
    ? h("p", {}, t("auth.haveAccount"), " ", h("a", { href: `/login${suffix}` }, t("nav.login")))
    : h("p", {}, t("auth.noAccount"), " ", h("a", { href: `/register${suffix}` }, t("nav.register")));
  page(root, registering ? t("auth.register.title") : t("auth.login.title"), h("div", { class: "panel narrow" }, element, other));
  element.querySelector("input")?.focus();
}
