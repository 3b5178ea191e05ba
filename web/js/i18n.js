// Russian and English. `t("key", {name})` answers the current language's text with
// {placeholders} filled; a key missing there falls back to English, then to the key itself.
// The choice is remembered in localStorage ("mp.lang"); the first visit follows the
// browser. Areas built apart (the admin) add their own keys with `extend(lang, entries)`
// instead of editing the shared dictionaries.

import en from "./locales/en.js";
import ru from "./locales/ru.js";

const LANG_KEY = "mp.lang";
const dictionaries = { en: { ...en }, ru: { ...ru } };
export const languages = ["ru", "en"];

function initial() {
  const saved = localStorage.getItem(LANG_KEY);
  if (languages.includes(saved)) return saved;
  return (navigator.language || "ru").toLowerCase().startsWith("en") ? "en" : "ru";
}

let lang = initial();
document.documentElement.lang = lang;

export function language() {
  return lang;
}

export function setLanguage(next) {
  if (!languages.includes(next) || next === lang) return;
  lang = next;
  localStorage.setItem(LANG_KEY, next);
  document.documentElement.lang = next;
  window.dispatchEvent(new CustomEvent("languagechange", { detail: next }));
}

export function extend(which, entries) {
  Object.assign(dictionaries[which], entries);
}

export function t(key, params) {
  let text = dictionaries[lang][key] ?? dictionaries.en[key] ?? key;
  if (params) {
    text = text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
  }
  return text;
}

// Plural forms: t(key + "." + plural(n)) with keys "x.one", "x.few", "x.many" ("few" is
// Russian's 2–4; English uses "one" and "many").
export function plural(count) {
  return new Intl.PluralRules(lang).select(count);
}

export function tn(key, count, params = {}) {
  return t(`${key}.${plural(count)}`, { count, ...params });
}

const locales = { ru: "ru-RU", en: "en-GB" };

export function locale() {
  return locales[lang];
}

// Money is integer minor units with an ISO 4217 currency.
export function money(minor, currency = "RUB") {
  const digits = ["JPY", "KRW"].includes(currency) ? 0 : 2;
  return new Intl.NumberFormat(locale(), {
    style: "currency", currency, currencyDisplay: "narrowSymbol", minimumFractionDigits: minor % 100 === 0 ? 0 : digits,
    maximumFractionDigits: digits,
  }).format(minor / 10 ** digits);
}

export function dateTime(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" })
    .format(new Date(iso));
}

export function date(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium" }).format(new Date(iso));
}

export function status(name) {
  return t(`status.${name}`);
}
