// Shared by every page. Every string from the server is hostile (a guest's console, a client's
// request): it reaches the DOM through textContent and safe attributes only, never as HTML.

/** An element with a class, text and children; attrs only for names this file knows are safe. */
export function el(tag, opts = {}, ...children) {
  const e = document.createElement(tag);
  if (opts.cls) e.className = opts.cls;
  if (opts.text != null) e.textContent = visible(String(opts.text));
  for (const [k, v] of Object.entries(opts.attrs || {})) {
    if (!SAFE_ATTRS.has(k)) throw new Error("unsafe attribute " + k);
    e.setAttribute(k, String(v));
  }
  for (const c of children) e.append(c);
  return e;
}
/**
 * Text with its control and bidirectional-override characters spelled out (\x1b, \u202e): a
 * guest's escape sequences show as what they are, and no override can make "evil" read "live".
 */
export function visible(text) {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => { const h = c.charCodeAt(0).toString(16); return h.length <= 2 ? "\\x" + h.padStart(2, "0") : "\\u" + h; });
}
const SAFE_ATTRS = new Set(["type", "value", "title", "colspan", "scope", "role", "aria-live",
  "aria-label", "width", "height", "placeholder", "disabled"]);

/** The API path of a CVM: its id encoded as one path segment (a dot segment would climb). */
export function cvmApi(id, rest = "") {
  if (id === "." || id === "..") throw new Error("bad CVM id");
  return "/ui/api/cvms/" + encodeURIComponent(id) + rest;
}

/** A link to a CVM's page, built as a URL so the id stays a query value. */
export function cvmLink(id, label) {
  const url = new URL("cvm.html", location.href);
  url.searchParams.set("id", id);
  const a = el("a", { text: label ?? id });
  a.href = url.pathname + url.search;
  return a;
}

export async function getJson(path) {
  const res = await fetch(path, { headers: { Accept: "application/json" } });
  if (!res.ok) throw new Error(path + ": HTTP " + res.status);
  return res.json();
}

let sessionPromise;
/** The session (actions allowed, CSRF token, version), fetched once per page. */
export function session() {
  sessionPromise ??= getJson("/ui/api/session");
  return sessionPromise;
}

/** The server's clock minus ours, from the last "now" it sent: ages and TTLs use its clock. */
let skew = 0;
export function syncClock(serverNow) {
  const t = Date.parse(serverNow);
  if (!Number.isNaN(t)) skew = t - Date.now();
}
export function serverNow() {
  return Date.now() + skew;
}

export function fmtDuration(ms) {
  if (ms == null || Number.isNaN(ms)) return "";
  const neg = ms < 0;
  let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  s %= 60;
  const text = d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : m ? `${m}m ${s}s` : `${s}s`;
  return neg ? "-" + text : text;
}

export function fmtTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toISOString().replace("T", " ").slice(0, 19);
}

export function fmtBytes(n) {
  if (n == null) return "";
  const units = ["B", "KiB", "MiB", "GiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : String(Math.round(n))) + " " + units[i];
}

/** A CSS class for a state, from a fixed list: a state is text, never a class name as sent. */
const STATES = ["provisioning", "starting", "running", "stopping", "exited", "failed"];
export function stateClass(state) {
  return "state " + (STATES.includes(state) ? "state-" + state : "state-other");
}

/**
 * The live feed, with its indicator in the header: "lost" while it is down, "back" for a while
 * after it reconnects. EventSource retries by itself after a network error; after a refused
 * response (a 429, a 503 while the manager stops) it gives up, so this starts a new one, backing off.
 */
export function connectFeed(handlers) {
  const badge = document.getElementById("feed");
  let lost = false, backoff = 1000, backTimer;
  const show = (cls, text) => { badge.className = "feed " + cls; badge.textContent = text; };
  let es;
  const open = () => {
    const source = new EventSource("/ui/api/feed");
    es = source;
    source.addEventListener("open", () => {
      backoff = 1000;
      if (lost) {
        lost = false;
        show("back", "Live feed back at " + new Date().toLocaleTimeString());
        clearTimeout(backTimer);
        backTimer = setTimeout(() => show("live", "Live"), 10000);
      } else if (!badge.classList.contains("back")) {
        show("live", "Live");
      }
    });
    source.addEventListener("error", () => {
      if (!lost) {
        lost = true;
        clearTimeout(backTimer);
        show("lost", "Live feed lost, reconnecting…");
        handlers.lost?.();
      }
      if (source.readyState === EventSource.CLOSED) {
        setTimeout(open, backoff);
        backoff = Math.min(backoff * 2, 10000);
      }
    });
    for (const type of ["snapshot", "cvm", "host"]) {
      if (handlers[type]) source.addEventListener(type, (e) => handlers[type](JSON.parse(e.data)));
    }
  };
  open();
  closeOnLeave(() => es.close(), open);
}

/**
 * Closes a stream when the page is left and opens it again if the page comes back from the
 * back/forward cache: a left page's streams would otherwise hold on to the browser's few
 * connections to this host, and to the manager's stream places.
 */
export function closeOnLeave(close, reopen) {
  addEventListener("pagehide", close);
  addEventListener("pageshow", (e) => { if (e.persisted) reopen(); });
}

/**
 * Adds the remove control (only called when the session allows actions): a confirmation dialog
 * built here, so with actions off not even a hidden one is in the page.
 */
export function removeButton(id, onDone) {
  const button = el("button", { cls: "remove", text: "Remove", attrs: { type: "button" } });
  button.addEventListener("click", () => confirmRemove(id, onDone));
  return button;
}

async function confirmRemove(id, onDone) {
  const dialog = el("dialog", { cls: "confirm" });
  const cancel = el("button", { cls: "cancel", text: "Cancel", attrs: { type: "button" } });
  const ok = el("button", { cls: "danger confirm-remove", text: "Remove", attrs: { type: "button" } });
  const error = el("p", { cls: "error" });
  dialog.append(el("p", { text: "Remove CVM " }, el("code", { text: id }), "?"),
    el("p", { text: "Its QEMU is stopped and its files are deleted." }), error,
    el("div", { cls: "buttons" }, cancel, ok));
  document.body.append(dialog);
  dialog.addEventListener("close", () => dialog.remove());
  cancel.addEventListener("click", () => dialog.close());
  ok.addEventListener("click", async () => {
    ok.disabled = true;
    try {
      const { csrf_token } = await session();
      const res = await fetch(cvmApi(id, "/remove"), {
        method: "POST", headers: { "X-Cocos-Csrf": csrf_token } });
      if (!res.ok && res.status !== 404) {
        const why = await res.json().then((j) => j.error, () => null);
        throw new Error(why ?? "HTTP " + res.status);
      }
      dialog.close();
      onDone?.();
    } catch (e) {
      error.textContent = visible("Remove failed: " + e.message);
      ok.disabled = false;
    }
  });
  dialog.showModal();
}

/** The version in the footer. */
export async function footer() {
  const s = await session();
  document.getElementById("version").textContent = "cocos-manager " + s.version;
  return s;
}
