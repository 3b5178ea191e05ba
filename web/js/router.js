// A tiny History API router. Routes are patterns ("/products/:id") with a loader that
// imports the view's module on first use, so the first page loads only what it shows.
//
// A view module exports `render(ctx)`: ctx = {root, params, query, signal, navigate}. It
// fills `root` (the <main> element) and may answer a cleanup function, called when the user
// leaves. `signal` aborts when the user navigates away: pass it to long waits.
//
// Links need nothing special: a click on any same-origin <a href> (without target, download
// or a modifier key) is routed here; `navigate(url)` does it from code.

const routes = [];
let current = null;
let outlet = null;
let onChange = () => {};

export function route(pattern, loader) {
  const names = [];
  const source = pattern
    .replace(/\/$/, "")
    .replace(/:([a-zA-Z_]+)/g, (_, name) => {
      names.push(name);
      return "([^/]+)";
    })
    .replace(/\*$/, "(?:/.*)?");
  routes.push({ pattern, regex: new RegExp(`^${source || ""}/?$`), names, loader });
}

export function match(pathname) {
  for (const entry of routes) {
    const found = entry.regex.exec(pathname);
    if (found) {
      const params = {};
      entry.names.forEach((name, index) => {
        params[name] = decodeURIComponent(found[index + 1]);
      });
      return { entry, params };
    }
  }
  return null;
}

// `replace`: change the URL without a new history entry (filters typed into a form).
export function navigate(url, { replace = false } = {}) {
  const target = new URL(url, location.href);
  if (target.origin !== location.origin) {
    location.href = target.href;
    return;
  }
  if (replace) history.replaceState(null, "", target.pathname + target.search + target.hash);
  else history.pushState(null, "", target.pathname + target.search + target.hash);
  render();
}

// Re-render the current URL (after login, a language switch ...).
export async function render() {
  if (current) {
    current.controller.abort();
    if (typeof current.cleanup === "function") current.cleanup();
  }
  const controller = new AbortController();
  const state = { controller, cleanup: null };
  current = state;
  const found = match(location.pathname) || match("/404");
  outlet.replaceChildren();
  outlet.setAttribute("aria-busy", "true");
  onChange(location.pathname, found?.entry.pattern);
  try {
    const module = await found.entry.loader();
    if (controller.signal.aborted) return;
    state.cleanup = await module.render({
      root: outlet,
      params: found.params,
      query: new URLSearchParams(location.search),
      signal: controller.signal,
      navigate,
    });
  } catch (error) {
    if (controller.signal.aborted || error?.name === "AbortError") return;
    console.error(error);
    const { failed } = await import("./ui.js");
    outlet.replaceChildren(failed(error));
  } finally {
    if (current === state) outlet.removeAttribute("aria-busy");
  }
  if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
}

// start(main element, onChange(pathname, pattern)): listen to links and history.
export function start(element, changed) {
  outlet = element;
  onChange = changed || onChange;
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target.closest("a[href]");
    if (!link || link.target || link.hasAttribute("download")) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith("/api/")
        || url.pathname.startsWith("/docs")) return;
    event.preventDefault();
    if (url.pathname === location.pathname && url.search === location.search && url.hash) {
      history.pushState(null, "", url.hash);
      document.getElementById(url.hash.slice(1))?.scrollIntoView();
      return;
    }
    navigate(url.href);
    window.scrollTo(0, 0);
  });
  window.addEventListener("popstate", () => render());
  return render();
}
