// Shared UI helpers. Everything builds DOM nodes with text content, never HTML strings, so
// what users wrote (a review holding "<script>") is shown as text.
//
//   h("a", {href: "/cart", class: "link"}, "Cart")     an element; children: nodes, strings,
//                                                       arrays, null (skipped)
//   field({name, label, type, ...})                    a labelled input with its error slot
//   form({fields, submit, onSubmit})                   a form whose submit shows a loading
//                                                       state and puts API errors by field
//   toast(text, kind)                                  a short message (role="status")
//   loading(), empty(text), failed(error)              states of a region

import { ApiError, session } from "./api.js";
import { t } from "./i18n.js";

export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") element.className = value;
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      element.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "value" && "value" in element) element.value = value;
    else if (key === "checked" || key === "selected" || key === "disabled") element[key] = Boolean(value);
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

let fieldCounter = 0;

// A labelled control. options: name, label, type (text, email, password, number, textarea,
// select, checkbox, file ...), value, required, autocomplete, hint, choices ([[value, text]]
// for a select), any other attribute (min, max, maxlength, inputmode, pattern, accept).
export function field(options) {
  const { name, label, type = "text", value, hint, choices, ...rest } = options;
  const id = `f-${name.replace(/[^a-z0-9]/gi, "-")}-${++fieldCounter}`;
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  const described = [hintId, errorId].filter(Boolean).join(" ");
  let control;
  if (type === "textarea") {
    control = h("textarea", { id, name, "aria-describedby": described, ...rest });
    control.value = value ?? "";
  } else if (type === "select") {
    control = h("select", { id, name, "aria-describedby": described, ...rest },
      (choices || []).map(([choice, text]) => h("option", { value: choice, selected: String(choice) === String(value ?? "") }, text)));
  } else {
    control = h("input", { id, name, type, "aria-describedby": described, ...rest });
    if (type === "checkbox") control.checked = Boolean(value);
    else if (value !== undefined && value !== null && type !== "file") control.value = value;
  }
  const wrapper = h("div", { class: `field field-${type}`, dataset: { field: name } });
  if (type === "checkbox") {
    wrapper.append(h("label", { for: id, class: "check" }, control, " ", label));
  } else {
    wrapper.append(h("label", { for: id }, label), control);
  }
  if (hint) wrapper.append(h("p", { class: "hint", id: hintId }, hint));
  wrapper.append(h("p", { class: "field-error", id: errorId, role: "alert" }));
  return wrapper;
}

// Show an ApiError's field messages next to their fields (matched by name, also by the last
// part of a dotted name: "card.number" → "number"); anything left goes to the form's banner.
export function showErrors(formElement, error) {
  clearErrors(formElement);
  const banner = formElement.querySelector(".form-error");
  const fields = error instanceof ApiError ? { ...error.fields } : {};
  let firstInvalid = null;
  for (const [name, message] of Object.entries(fields)) {
    const wrapper = formElement.querySelector(`[data-field="${CSS.escape(name)}"]`)
      || formElement.querySelector(`[data-field="${CSS.escape(name.split(".").pop())}"]`);
    if (!wrapper) continue;
    wrapper.querySelector(".field-error").textContent = message || t("error.invalid");
    const control = wrapper.querySelector("input, select, textarea");
    control?.setAttribute("aria-invalid", "true");
    firstInvalid ||= control;
    delete fields[name];
  }
  const leftover = Object.values(fields).filter(Boolean);
  if (banner && (!firstInvalid || leftover.length)) {
    banner.textContent = leftover.length && firstInvalid ? leftover.join(" ") : errorText(error);
    banner.hidden = false;
  }
  (firstInvalid || banner)?.focus?.();
}

export function clearErrors(formElement) {
  formElement.querySelectorAll(".field-error").forEach((node) => { node.textContent = ""; });
  formElement.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
  const banner = formElement.querySelector(".form-error");
  if (banner) { banner.textContent = ""; banner.hidden = true; }
}

// A human sentence for any error: the problem's detail, or a known case.
export function errorText(error) {
  if (error instanceof ApiError) {
    if (error.status === 0) return t("error.network");
    if (error.status === 429) return t("error.rate");
    if (error.status >= 500) return t("error.server");
    return error.problem.detail || error.problem.title || t("error.generic");
  }
  return t("error.generic");
}

// form({fields: [nodes], submit: "label", onSubmit(values, formElement)}): the submit
// button is disabled and says it is busy while onSubmit runs; its ApiError is shown by
// field. values: the FormData as an object (checkboxes as booleans).
export function form({ fields, submit, onSubmit, className = "form", extra = null }) {
  const button = h("button", { type: "submit", class: "button primary" }, submit);
  const element = h("form", { class: className, novalidate: true },
    h("p", { class: "form-error", role: "alert", tabindex: "-1", hidden: true }),
    fields, extra, h("div", { class: "actions" }, button));
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (button.disabled) return;
    clearErrors(element);
    const values = {};
    for (const control of element.elements) {
      if (!control.name) continue;
      if (control.type === "checkbox") values[control.name] = control.checked;
      else if (control.type === "file") values[control.name] = control.files?.[0] || null;
      else values[control.name] = control.value;
    }
    busy(button, true);
    try {
      await onSubmit(values, element);
    } catch (error) {
      showErrors(element, error);
    } finally {
      busy(button, false);
    }
  });
  return element;
}

export function busy(button, on) {
  button.disabled = on;
  button.setAttribute("aria-busy", on ? "true" : "false");
  button.classList.toggle("is-busy", on);
}

let toastRegion = null;

export function toast(text, kind = "info") {
  if (!toastRegion) {
    toastRegion = h("div", { class: "toasts", role: "status", "aria-live": "polite" });
    document.body.append(toastRegion);
  }
  const node = h("div", { class: `toast toast-${kind}` }, text);
  toastRegion.append(node);
  setTimeout(() => node.remove(), 5000);
}

export function loading(label = t("loading")) {
  return h("div", { class: "loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), h("span", {}, label));
}

export function skeletonCards(count = 8) {
  return h("ul", { class: "cards", "aria-hidden": "true" },
    Array.from({ length: count }, () => h("li", { class: "card skeleton" },
      h("div", { class: "card-image" }), h("div", { class: "line" }), h("div", { class: "line short" }))));
}

export function empty(text, ...actions) {
  return h("div", { class: "empty" }, h("p", {}, text), actions);
}

export function failed(error) {
  return h("div", { class: "empty failed", role: "alert" }, h("p", {}, errorText(error)));
}

// Set the document title and the page's heading in one go.
export function page(root, title, ...children) {
  document.title = `${title} · ${t("brand")}`;
  const heading = h("h1", { tabindex: "-1" }, title);
  root.replaceChildren(heading, ...children.flat().filter(Boolean));
  return heading;
}

// A star figure "★ 4.5" readable by a screen reader.
export function stars(average, count) {
  const label = count ? t("rating.label", { average: average.toFixed(1), count }) : t("rating.none");
  return h("span", { class: "stars", role: "img", "aria-label": label, title: label },
    h("span", { "aria-hidden": "true" }, count ? `★ ${average.toFixed(1)}` : "☆"),
    count ? h("span", { class: "muted", "aria-hidden": "true" }, ` (${count})`) : null);
}

// For views that need a logged-in user: answers false after showing a login prompt.
export function requireUser(root, title) {
  if (session()?.access_token) return true;
  const next = location.pathname + location.search;
  page(root, title, empty(t("auth.needed"),
    h("a", { class: "button primary", href: `/login?next=${encodeURIComponent(next)}` }, t("nav.login")),
    " ",
    h("a", { class: "button", href: `/register?next=${encodeURIComponent(next)}` }, t("nav.register"))));
  return false;
}
