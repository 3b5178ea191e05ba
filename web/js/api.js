// The one door to the public API: JSON in and out, problem+json errors as ApiError (with the
// fields they concern), the access token on every call and its refresh-token rotation.
//
// The session (access + refresh token) lives in localStorage under "mp.session", so it
// survives reloads and is shared by the tabs of the origin. A 401 on a call with a token
// refreshes once (one refresh in flight at a time, shared by the calls that wait for it) and
// retries; a refused refresh ends the session cleanly: tokens dropped, listeners told.

const SESSION_KEY = "mp.session";
const listeners = new Set();
let refreshing = null;

export class ApiError extends Error {
  // status: HTTP status (0: no answer); problem: the RFC 9457 body; fields: {name: message}.
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.type = this.problem.type || "";
    this.fields = problemFields(this.problem);
  }
}

// FastAPI-style `errors`/`detail` lists ({loc: ["body", "card", "number"], msg}) and the
// services' own `errors` ({field, message}) both become {"card.number": "message"}.
export function problemFields(problem) {
  const fields = {};
  const list = Array.isArray(problem?.errors) ? problem.errors
    : Array.isArray(problem?.detail) ? problem.detail
    : Array.isArray(problem?.invalid_params) ? problem.invalid_params : [];
  for (const error of list) {
    let name = error.field || error.name || "";
    if (!name && Array.isArray(error.loc)) {
      name = error.loc.filter((part) => !["body", "query", "path"].includes(part)).join(".");
    }
    const message = error.message || error.msg || error.reason || "";
    if (name && !(name in fields)) fields[name] = message.replace(/^Value error, /, "");
  }
  if (problem?.field && !(problem.field in fields)) fields[problem.field] = problem.detail || "";
  return fields;
}

export function session() {
  try {
    return JSON.parse(localStorage.getItem(SESSION_KEY) || "null");
  } catch {
    return null;
  }
}

// reason: "login", "refresh", "logout" or "expired" (a refresh refused), given to listeners.
export function setSession(tokens, reason = tokens ? "login" : "logout") {
  if (tokens) {
    const value = { access_token: tokens.access_token, refresh_token: tokens.refresh_token };
    localStorage.setItem(SESSION_KEY, JSON.stringify(value));
  } else {
    localStorage.removeItem(SESSION_KEY);
  }
  for (const listener of listeners) listener(session(), reason);
}

// listener(session | null, reason) after every login, refresh and logout of this tab, and
// with reason "storage" when another tab changed the session.
export function onSession(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

window.addEventListener("storage", (event) => {
  if (event.key === SESSION_KEY) for (const listener of listeners) listener(session(), "storage");
});

// The access token's claims (sub, role, exp), without checking it: the API checks it.
export function claims() {
  const token = session()?.access_token;
  if (!token) return null;
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(decodeURIComponent(escape(atob(part))));
  } catch {
    return null;
  }
}

async function send(method, path, { body, query, headers = {}, form, token, signal } = {}) {
  let url = path;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== "") params.set(key, value);
    }
    const text = params.toString();
    if (text) url += (url.includes("?") ? "&" : "?") + text;
  }
  const init = { method, signal, headers: { Accept: "application/json, application/problem+json", ...headers } };
  if (form) {
    init.body = form;
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  if (token) init.headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (error?.name === "AbortError") throw error;
    throw new ApiError(0, { title: "network" });
  }
  if (response.status === 204) return { response, data: null };
  const type = response.headers.get("Content-Type") || "";
  let data = null;
  if (type.includes("json")) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  } else {
    data = await response.text();
  }
  if (!response.ok) throw new ApiError(response.status, typeof data === "object" ? data : { detail: data });
  return { response, data };
}

async function refresh() {
  const current = session();
  if (!current?.refresh_token) return false;
  if (!refreshing) {
    refreshing = (async () => {
      try {
        const { data } = await send("POST", "/api/auth/refresh", {
          body: { refresh_token: current.refresh_token },
        });
        setSession(data, "refresh");
        return true;
      } catch (error) {
        // Another tab may have rotated it first: use theirs if it differs.
        const now = session();
        if (now && now.refresh_token !== current.refresh_token) return true;
        if (error.status !== 0) setSession(null, "expired");
        return false;
      } finally {
        refreshing = null;
      }
    })();
  }
  return refreshing;
}

// request(method, path, options) → the parsed body. Options: body (JSON), query (object,
// empty values left out), form (FormData), headers, signal (an AbortSignal), auth (default
// true: send the token if there is one), full (answer {response, data}).
export async function request(method, path, options = {}) {
  const auth = options.auth !== false;
  const token = auth ? session()?.access_token : undefined;
  try {
    const result = await send(method, path, { ...options, token });
    return options.full ? result : result.data;
  } catch (error) {
    if (error.status === 401 && token && (await refresh())) {
      const result = await send(method, path, { ...options, token: session()?.access_token });
      return options.full ? result : result.data;
    }
    throw error;
  }
}

export const api = {
  get: (path, query, options = {}) => request("GET", path, { ...options, query }),
  post: (path, body, options = {}) => request("POST", path, { ...options, body }),
  put: (path, body, options = {}) => request("PUT", path, { ...options, body }),
  patch: (path, body, options = {}) => request("PATCH", path, { ...options, body }),
  del: (path, options = {}) => request("DELETE", path, options),
};

export async function login(email, password) {
  const data = await api.post("/api/auth/login", { email, password }, { auth: false });
  setSession(data);
  return data;
}

export async function register(name, email, password) {
  await api.post("/api/auth/register", { name, email, password }, { auth: false });
  return login(email, password);
}

export async function logout() {
  const current = session();
  setSession(null);
  if (current?.refresh_token) {
    try {
      await send("POST", "/api/auth/logout", {
        body: { refresh_token: current.refresh_token },
        token: current.access_token,
      });
    } catch {
      // The session is gone here whatever the server says.
    }
  }
}

// A fresh access token for a caller that cannot retry by itself (the WebSocket).
export async function freshToken() {
  return (await refresh()) ? session()?.access_token : null;
}
