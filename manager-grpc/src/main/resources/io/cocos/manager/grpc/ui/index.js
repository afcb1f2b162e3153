// The CVM table. The feed's snapshot fills it, its cvm events change one row each; a render (at
// most one per animation frame) only re-orders the visible page's rows, so 500 CVMs cost no more
// per event than 50.
import { el, visible, cvmLink, fmtDuration, fmtTime, stateClass, serverNow, syncClock, connectFeed,
  removeButton, footer } from "./common.js";

const PAGE = 50;
const MAX_EVENTS = 50;
const COLUMNS = ["id", "state", "guest", "tee", "port", "cid", "age", "ttl", "ready", "exit", "reason"];

const rows = new Map(); // id -> Row, as the server sent it
let order = []; // ids, newest first
const built = new Map(); // id -> {tr, cells}: rows built once shown, kept while the CVM exists
let shown = []; // ids on the visible page, in order
let page = 0;
let actions = false;
let scheduled = false;

const table = document.getElementById("cvms");
const tbody = table.tBodies[0];
const stateFilter = document.getElementById("state-filter");
const idFilter = document.getElementById("id-filter");
const counts = document.getElementById("counts");
const pageLabel = document.getElementById("page");
const prev = document.getElementById("prev");
const next = document.getElementById("next");
const empty = document.getElementById("empty");
const events = document.getElementById("events");
const stateOptions = new Map(); // state -> <option>

function schedule() {
  if (!scheduled) {
    scheduled = true;
    requestAnimationFrame(render);
  }
}

function matches(r) {
  const q = idFilter.value.trim().toLowerCase();
  return (!stateFilter.value || r.state === stateFilter.value) &&
    (!q || String(r.id).toLowerCase().includes(q));
}

function build(id) {
  let b = built.get(id);
  if (!b) {
    const cells = {};
    const tr = el("tr");
    for (const c of COLUMNS) tr.append(cells[c] = el("td", { cls: "c-" + c }));
    cells.id.append(cvmLink(id));
    if (actions) tr.append(el("td", { cls: "c-actions" }, removeButton(id)));
    b = { tr, cells };
    built.set(id, b);
    fill(b, rows.get(id));
  }
  return b;
}

function fill({ tr, cells }, r) {
  const badge = el("span", { cls: stateClass(r.state), text: r.state });
  cells.state.replaceChildren(badge);
  cells.guest.textContent = visible(r.guest_status ?? "");
  cells.tee.textContent = visible(r.tee ?? "");
  cells.port.textContent = r.host_port ?? "";
  cells.cid.textContent = r.cid ?? "";
  cells.ready.textContent = r.agent_ready_ms == null ? "" : (r.agent_ready_ms / 1000).toFixed(1) + " s";
  cells.exit.textContent = r.exit_code ?? "";
  cells.reason.textContent = visible(r.reason ?? "");
  if (r.reason) cells.reason.setAttribute("title", visible(r.reason));
  else cells.reason.removeAttribute("title");
  tr.dataset.state = r.state;
  tick1(cells, r);
}

/** Age and TTL, which change every second. */
function tick1(cells, r) {
  const now = serverNow();
  const created = Date.parse(r.created_at);
  cells.age.textContent = Number.isNaN(created) ? "" : fmtDuration(now - created);
  const deadline = Date.parse(r.ttl_deadline);
  cells.ttl.textContent = Number.isNaN(deadline) ? "" :
    deadline > now ? fmtDuration(deadline - now) : "due";
}

function tick() {
  for (const id of shown) tick1(built.get(id).cells, rows.get(id));
}

function render() {
  scheduled = false;
  const byState = new Map();
  for (const r of rows.values()) byState.set(r.state, (byState.get(r.state) || 0) + 1);
  updateStateOptions(byState);
  const list = order.filter((id) => matches(rows.get(id)));
  const pages = Math.max(1, Math.ceil(list.length / PAGE));
  page = Math.max(0, Math.min(page, pages - 1));
  const ids = list.slice(page * PAGE, (page + 1) * PAGE);
  if (ids.length !== shown.length || ids.some((id, i) => id !== shown[i])) {
    tbody.replaceChildren(...ids.map((id) => build(id).tr));
    shown = ids;
  }
  const first = list.length ? page * PAGE + 1 : 0;
  counts.textContent = `${first}–${page * PAGE + ids.length} of ${list.length} shown, ${rows.size} CVMs in all`;
  pageLabel.textContent = `page ${page + 1} of ${pages}`;
  prev.disabled = page === 0;
  next.disabled = page >= pages - 1;
  empty.hidden = list.length > 0;
}

function updateStateOptions(byState) {
  for (const [state, n] of byState) {
    let o = stateOptions.get(state);
    if (!o) {
      o = el("option", { attrs: { value: state } });
      stateOptions.set(state, o);
      stateFilter.append(o);
    }
    o.textContent = `${state} (${n})`;
  }
  for (const [state, o] of stateOptions) if (!byState.has(state)) o.textContent = `${state} (0)`;
}

function upsert(r) {
  if (!rows.has(r.id)) order.unshift(r.id);
  rows.set(r.id, r);
  const b = built.get(r.id);
  if (b) fill(b, r);
}

function drop(id) {
  if (!rows.delete(id)) return;
  order.splice(order.indexOf(id), 1);
  built.delete(id);
}

function snapshot(s) {
  syncClock(s.now);
  rows.clear();
  for (const r of s.cvms) rows.set(r.id, r);
  order = s.cvms.map((r) => r.id).reverse();
  for (const [id, b] of built) {
    if (rows.has(id)) fill(b, rows.get(id));
    else built.delete(id);
  }
  shown = []; // a removed row may still be in the page
  table.classList.remove("stale");
  schedule();
}

function cvmEvent({ event, cvm }) {
  if (cvm) upsert(cvm);
  else drop(event.cvm_id);
  addEvent(event);
  schedule();
}

function addEvent(e) {
  const li = el("li", {},
    el("time", { text: fmtTime(e.time) }), " ",
    cvmLink(e.cvm_id, String(e.cvm_id).slice(0, 8)), " ",
    el("span", { cls: "type", text: e.type }), " ",
    el("span", { cls: stateClass(e.state), text: e.state ?? "" }), " ",
    el("span", { cls: "detail", text: e.detail ?? "" }));
  events.prepend(li);
  while (events.childElementCount > MAX_EVENTS) events.lastElementChild.remove();
}

stateFilter.addEventListener("change", () => { page = 0; schedule(); });
idFilter.addEventListener("input", () => { page = 0; schedule(); });
prev.addEventListener("click", () => { page--; schedule(); });
next.addEventListener("click", () => { page++; schedule(); });
setInterval(tick, 1000);

const s = await footer();
actions = s.actions;
if (actions) table.tHead.rows[0].append(el("th", { text: "", attrs: { scope: "col" } }));
// While the feed is down the table may be out of date: greyed until the next snapshot.
connectFeed({ snapshot, cvm: cvmEvent, lost: () => table.classList.add("stale") });
