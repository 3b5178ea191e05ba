// /profile: personal data (name, phone, address, about), the avatar (upload, remove), the
// order history, and "my activity" from the analytics service, which may not be running:
// a 404 or 503 there is an empty state, not an error.

import { ApiError, api, logout, request } from "../api.js";
import { icon } from "../icons.js";
import { dateTime, money, t } from "../i18n.js";
import { errorText, failed, field, form, h, loading, page, requireUser, toast } from "../ui.js";
import { statusBadge } from "./orders.js";

function avatarSection(profile, onChange) {
  const picture = profile.avatar_url
    ? h("img", { class: "avatar", src: profile.avatar_url, alt: t("profile.avatar"), width: 96, height: 96 })
    : h("div", { class: "avatar", role: "img", "aria-label": t("profile.avatar.none") }, icon("user"));
  const upload = form({
    className: "form avatar-form",
    fields: [field({ name: "file", label: t("profile.avatar.file"), type: "file", accept: "image/jpeg,image/png,image/webp" })],
    submit: t("profile.avatar.upload"),
    onSubmit: async (values) => {
      if (!values.file) throw new ApiError(422, { errors: [{ field: "file", message: t("profile.avatar.choose") }] });
      const data = new FormData();
      data.append("file", values.file);
      onChange(await request("PUT", "/api/auth/me/avatar", { form: data }));
      toast(t("profile.avatar.uploaded"), "success");
    },
  });
  const remove = profile.avatar_url ? h("button", { type: "button", class: "button danger", id: "remove-avatar", onClick: async (event) => {
    event.currentTarget.disabled = true;
    try {
      onChange(await api.del("/api/auth/me/avatar") || { ...profile, avatar_url: null, avatar_small_url: null });
      toast(t("profile.avatar.removed"), "success");
    } catch (error) {
      toast(errorText(error), "error");
    }
  } }, t("profile.avatar.remove")) : null;
  return h("section", { class: "panel", "aria-labelledby": "avatar-heading" },
    h("h2", { id: "avatar-heading" }, t("profile.avatar")),
    h("div", { class: "avatar-row" }, picture, remove), upload);
}

function personalSection(profile, onChange) {
  return h("section", { class: "panel", "aria-labelledby": "personal-heading" },
    h("h2", { id: "personal-heading" }, t("profile.personal")),
    h("p", { class: "muted" }, `${t("profile.email")}: ${profile.email}`),
    form({
      fields: [
        field({ name: "name", label: t("profile.name"), value: profile.name, autocomplete: "name", required: true, maxlength: 100 }),
        field({ name: "phone", label: t("profile.phone"), type: "tel", value: profile.phone || "", autocomplete: "tel", maxlength: 64 }),
        field({ name: "address", label: t("profile.address"), type: "textarea", rows: 2, value: profile.address || "", autocomplete: "street-address", maxlength: 500 }),
        field({ name: "bio", label: t("profile.bio"), type: "textarea", rows: 3, value: profile.bio || "", maxlength: 2000 }),
      ],
      submit: t("profile.save"),
      onSubmit: async (values) => {
        onChange(await api.patch("/api/auth/me", {
          name: values.name.trim(), phone: values.phone.trim() || null,
          address: values.address.trim() || null, bio: values.bio.trim() || null,
        }), false);
        toast(t("profile.saved"), "success");
      },
    }));
}

function historySection(profile) {
  const history = profile.order_history || [];
  return h("section", { class: "panel", "aria-labelledby": "history-heading" },
    h("h2", { id: "history-heading" }, t("profile.history")),
    history.length ? h("ul", { class: "plain-list" }, history.map((entry) => h("li", { class: "summary-line" },
      h("a", { href: `/orders/${entry.order_id}` }, t("orders.number", { number: entry.order_id.slice(-8) }), h("span", { class: "muted" }, ` · ${dateTime(entry.placed_at)}`)),
      h("span", {}, money(entry.total, entry.currency), " ", statusBadge(entry.status)))))
      : h("p", { class: "muted" }, t("orders.none")));
}

// The activity's figures, whatever their names: numbers become tiles, the rest is left out.
function activityFigures(data) {
  const source = data?.totals || data?.counts || data || {};
  return Object.entries(source).filter(([, value]) => typeof value === "number");
}

async function activitySection(container, signal) {
  container.replaceChildren(h("h2", { id: "activity-heading" }, t("profile.activity")), loading());
  try {
    const data = await api.get("/api/analytics/me/activity", undefined, { signal });
    const figures = activityFigures(data);
    container.lastChild.replaceWith(figures.length
      ? h("ul", { class: "activity" }, figures.map(([name, value]) => h("li", {}, h("strong", {}, String(value)), h("span", { class: "muted" }, t(`activity.${name}`) === `activity.${name}` ? name.replaceAll("_", " ") : t(`activity.${name}`)))))
      : h("p", { class: "muted" }, t("profile.activity.none")));
  } catch (error) {
    if (signal.aborted) return;
    const unavailable = error instanceof ApiError && [404, 501, 502, 503, 504].includes(error.status);
    container.lastChild.replaceWith(unavailable ? h("p", { class: "muted", id: "activity-empty" }, t("profile.activity.unavailable")) : failed(error));
  }
}

export async function render({ root, signal, navigate }) {
  if (!requireUser(root, t("profile.title"))) return;
  root.replaceChildren(loading());
  let profile;
  try {
    profile = await api.get("/api/auth/me", undefined, { signal });
  } catch (error) {
    if (!signal.aborted) page(root, t("profile.title"), failed(error));
    return;
  }
  const left = h("div", {});
  const right = h("div", {});
  const activity = h("section", { class: "panel", "aria-labelledby": "activity-heading" });
  const draw = (next, redrawPersonal = true) => {
    profile = { ...profile, ...next };
    if (redrawPersonal) left.replaceChildren(personalSection(profile, draw));
    right.replaceChildren(avatarSection(profile, draw), historySection(profile), activity);
  };
  const logoutButton = h("button", { type: "button", class: "button", onClick: async () => {
    await logout();
    toast(t("auth.loggedOut"));
    navigate("/");
  } }, t("nav.logout"));
  page(root, t("profile.title"), h("p", { class: "lead" }, t("profile.role", { role: profile.role })), h("div", { class: "columns" }, left, right), h("div", { class: "actions" }, logoutButton));
  draw(profile);
  activitySection(activity, signal);
}
