// The header's search: suggestions as you type (the first products the catalog's full-text
// search finds), an ARIA combobox driven by the arrow keys, Enter and Escape. Submitting
// goes to /catalog?q=… where the filters and sorts are.

import { api } from "./api.js";
import { money, t } from "./i18n.js";
import { navigate } from "./router.js";
import { h } from "./ui.js";

const DELAY = 200; // ms after the last key before asking

export function searchBox() {
  const listId = "search-suggestions";
  const current = new URLSearchParams(location.search).get("q") || "";
  const input = h("input", {
    type: "search", name: "q", id: "search-input", value: current, autocomplete: "off",
    placeholder: t("search.placeholder"), role: "combobox", "aria-autocomplete": "list",
    "aria-expanded": "false", "aria-controls": listId,
  });
  const list = h("ul", { id: listId, role: "listbox", class: "suggestions", hidden: true, "aria-label": t("search.suggestions") });
  const formElement = h("form", { role: "search", class: "search", action: "/catalog" },
    h("label", { for: "search-input", class: "visually-hidden" }, t("search.label")),
    input,
    h("button", { type: "submit", class: "button primary search-button" }, t("search.submit")),
    list);
  let timer = null;
  let active = -1;
  let asked = 0;
  let items = [];

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const highlight = (index) => {
    active = index;
    [...list.children].forEach((node, i) => node.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) input.setAttribute("aria-activedescendant", list.children[index].id);
    else input.removeAttribute("aria-activedescendant");
  };
  const show = (found) => {
    items = found;
    list.replaceChildren(...found.map((product, index) => h("li", {
      id: `suggestion-${index}`, role: "option", "aria-selected": "false", class: "suggestion",
      onMousedown: (event) => {
        event.preventDefault();
        close();
        navigate(`/products/${product.id}`);
      },
    }, h("span", { class: "suggestion-title" }, product.title),
    h("span", { class: "muted" }, product.kind === "service" ? t("kind.service") : money(product.price, product.currency)))));
    list.hidden = found.length === 0;
    input.setAttribute("aria-expanded", String(found.length > 0));
    active = -1;
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const query = input.value.trim();
    if (query.length < 2) {
      close();
      return;
    }
    timer = setTimeout(async () => {
      const ask = ++asked;
      try {
        const page = await api.get("/api/catalog/products", { q: query, limit: 6 });
        if (ask === asked && input.value.trim() === query) show(page.items || []);
      } catch {
        close();
      }
    }, DELAY);
  });
  input.addEventListener("keydown", (event) => {
    if (list.hidden) return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      highlight((active + 1) % items.length);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      highlight(active <= 0 ? items.length - 1 : active - 1);
    } else if (event.key === "Escape") {
      close();
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      const product = items[active];
      close();
      navigate(`/products/${product.id}`);
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 100));
  formElement.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    asked += 1;
    close();
    const params = new URLSearchParams(location.pathname === "/catalog" ? location.search : "");
    const query = input.value.trim();
    if (query) {
      params.set("q", query);
      if (!params.has("sort")) params.delete("sort");
    } else {
      params.delete("q");
    }
    params.delete("page");
    navigate(`/catalog${params.toString() ? `?${params}` : ""}`);
  });
  return formElement;
}
