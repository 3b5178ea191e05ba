// The live channel: one WebSocket to the gateway's /ws while a user is logged in.
//
//   live.addEventListener("notification" | "unread" | "order.status" | "hello", (event) =>
//     event.detail)   // the message's data
//
// The socket is opened with the access token (?token=); it lives as long as that token,
// so a close with 4001 refreshes the token and reconnects. Other closes reconnect with a
// growing delay (1 s, 2 s, 4 s … 30 s), and each reconnect passes ?since=<the last
// notification seen> so that nothing made meanwhile is missed. 4008 (this was the user's
// oldest socket of too many) does not reconnect. The socket closes on logout.

import { claims, freshToken, onSession, session } from "./api.js";

export const live = new EventTarget();
const SINCE_KEY = "mp.live.since";
let socket = null;
let retries = 0;
let timer = null;
let wanted = false;

function since() {
  return localStorage.getItem(SINCE_KEY) || "";
}

function open(token) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  let url = `${scheme}//${location.host}/ws?token=${encodeURIComponent(token)}`;
  if (since()) url += `&since=${encodeURIComponent(since())}`;
  const ws = new WebSocket(url);
  socket = ws;
  ws.addEventListener("open", () => {
    retries = 0;
    live.dispatchEvent(new CustomEvent("open"));
  });
  ws.addEventListener("message", (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (message.type === "notification" && message.data?.id) {
      localStorage.setItem(SINCE_KEY, message.data.id);
    }
    live.dispatchEvent(new CustomEvent(message.type, { detail: message.data || {} }));
  });
  ws.addEventListener("close", async (event) => {
    if (socket !== ws) return;
    socket = null;
    live.dispatchEvent(new CustomEvent("close", { detail: { code: event.code } }));
    if (!wanted || event.code === 4008 || event.code === 1000) return;
    if (event.code === 4001 || event.code === 1008) {
      const token = await freshToken();
      if (token && wanted) open(token);
      return;
    }
    schedule();
  });
}

function schedule() {
  clearTimeout(timer);
  const delay = Math.min(30000, 1000 * 2 ** retries);
  retries += 1;
  timer = setTimeout(async () => {
    timer = null;
    if (!wanted) return;
    // A refused handshake (an expired token) looks like any failed connection from here:
    // after a failure, get a fresh token first.
    const token = retries > 1 ? (await freshToken()) || session()?.access_token : session()?.access_token;
    if (token && wanted) open(token);
  }, delay);
}

function stop() {
  wanted = false;
  clearTimeout(timer);
  timer = null;
  if (socket) {
    const ws = socket;
    socket = null;
    ws.close(1000);
  }
}

// Follow the session: connect when logged in, close on logout or a new user.
export function startLive() {
  let user = null;
  const follow = (current) => {
    const token = current?.access_token;
    const sub = token ? claims()?.sub ?? token : null;
    if (sub === user && (socket || timer)) return;
    if (sub !== user) localStorage.removeItem(SINCE_KEY);
    user = sub;
    stop();
    if (token) {
      wanted = true;
      retries = 0;
      open(token);
    }
  };
  onSession(follow);
  follow(session());
}

export function liveConnected() {
  return socket?.readyState === WebSocket.OPEN;
}

// The socket's state on <html data-live="open|closed">: for styles, and for tests to wait on.
for (const [name, state] of [["open", "open"], ["close", "closed"]]) {
  live.addEventListener(name, () => { document.documentElement.dataset.live = state; });
}
