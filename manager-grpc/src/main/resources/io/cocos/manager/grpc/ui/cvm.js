// One CVM: its row and info, its events (live from the feed), its console: the tail, then the
// stream from where the tail ended, and older pages on demand. Lines are text nodes only.
import { el, cvmApi, getJson, fmtTime, stateClass, syncClock, connectFeed, removeButton,
  closeOnLeave, footer } from "./common.js";

/** Lines kept in the page; beyond, the oldest (or, after paging back, the newest) are dropped. */
const MAX_LINES = 5000;
const MAX_EVENTS = 200;

const id = new URLSearchParams(location.search).get("id") ?? "";
const box = document.getElementById("console");
const olderButton = document.getElementById("older");
const resumeButton = document.getElementById("resume");
const note = document.getElementById("console-note");
const status = document.getElementById("console-status");
const eventList = document.getElementById("events");
const seenEvents = new Set();

document.getElementById("cvm-id").textContent = id;
document.title = "CVM " + id + " · cocos-manager";

// ---- details and events

function showRow(r) {
  const state = document.getElementById("cvm-state");
  state.replaceChildren(el("span", { cls: stateClass(r.state), text: r.state }));
}

function details(r, info) {
  const dl = document.getElementById("details");
  const items = [["State", r.state], ["Guest status", r.guest_status], ["TEE", r.tee],
    ["Host port", r.host_port], ["CID", r.cid], ["PID", r.pid], ["Created", fmtTime(r.created_at)],
    ["TTL deadline", fmtTime(r.ttl_deadline)],
    ["Agent ready", r.agent_ready_ms == null ? null : r.agent_ready_ms + " ms"],
    ["Exit code", r.exit_code], ["Reason", r.reason]];
  if (info) {
    items.push(["OVMF", info.ovmf_version], ["CPUs", info.cpu_count], ["CPU type", info.cpu_type],
      ["Kernel command line", info.kernel_command_line], ["EOS", info.eos_version]);
  }
  dl.replaceChildren(...items.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v == null || v === "" ? "–" : v })]));
  showRow(r);
}

function addEvent(e) {
  const key = [e.time, e.type, e.state, e.detail].join("\u0000");
  if (seenEvents.has(key)) return;
  seenEvents.add(key);
  eventList.append(el("li", {}, el("time", { text: fmtTime(e.time) }), " ",
    el("span", { cls: "type", text: e.type }), " ",
    el("span", { cls: stateClass(e.state), text: e.state ?? "" }), " ",
    el("span", { cls: "detail", text: (e.detail ?? "") + (e.exit_code == null ? "" : " (exit " + e.exit_code + ")") })));
  while (eventList.childElementCount > MAX_EVENTS) eventList.firstElementChild.remove();
}

let info = null; // static for a CVM's life: read with the details, kept for the feed's updates
async function loadDetails() {
  try {
    const d = await getJson(cvmApi(id));
    info = d.info;
    details(d.cvm, d.info);
    for (const e of d.events) addEvent(e);
  } catch (e) {
    gone("CVM not found (removed, or never existed).");
  }
}

function gone(text) {
  const p = document.getElementById("gone");
  p.textContent = text;
  p.hidden = false;
  document.getElementById("actions").replaceChildren();
}

// ---- the console

// Chunks of lines, oldest first; each knows its byte offsets, so paging back and resuming the
// stream ask the server for exactly what is missing.
const chunks = []; // {start, end, node, lines}
let lineCount = 0;
let first = 0; // oldest offset still on disk
let stream = null;
let following = true;

function atBottom() {
  return box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
}

function chunkNode(lines) {
  const node = el("div", { cls: "chunk" });
  for (const line of lines) node.append(el("div", { cls: "line", text: line }));
  return node;
}

function append(start, end, lines) {
  const stick = atBottom();
  const node = chunkNode(lines);
  box.append(node);
  chunks.push({ start, end, node, lines: lines.length, text: lines });
  lineCount += lines.length;
  let dropped = 0;
  while (lineCount > MAX_LINES && chunks.length > 1) {
    const c = chunks.shift();
    c.node.remove();
    lineCount -= c.lines;
    dropped += c.lines;
  }
  if (lineCount > MAX_LINES) dropped += trimChunk(chunks[0], lineCount - MAX_LINES);
  if (dropped) note.textContent = `Older lines dropped from the page to keep it at ${MAX_LINES} lines; "Load older" brings them back.`;
  updateOlder();
  if (stick) box.scrollTop = box.scrollHeight;
}

/** Drops the first n lines of a chunk too big alone; its start moves by their UTF-8 size. */
function trimChunk(c, n) {
  const enc = new TextEncoder();
  for (let i = 0; i < n; i++) {
    c.start += enc.encode(c.text[i]).length + 1;
    c.node.firstChild.remove();
  }
  c.text = c.text.slice(n);
  c.lines -= n;
  lineCount -= n;
  return n;
}

function updateOlder() {
  olderButton.hidden = !chunks.length || chunks[0].start <= first;
}

async function loadOlder() {
  olderButton.disabled = true;
  try {
    const page = await getJson(cvmApi(id, "/console?before=" + chunks[0].start));
    first = page.first;
    const before = box.scrollHeight;
    const node = chunkNode(page.lines);
    box.prepend(node);
    chunks.unshift({ start: page.start, end: page.end, node, lines: page.lines.length,
      text: page.lines });
    lineCount += page.lines.length;
    box.scrollTop += box.scrollHeight - before;
    if (lineCount > MAX_LINES) {
      // Paging back past the cap: the newest lines go, and so does following the tail.
      pause();
      while (lineCount > MAX_LINES && chunks.length > 1) {
        const c = chunks.pop();
        c.node.remove();
        lineCount -= c.lines;
      }
      note.textContent = `Newest lines dropped to keep the page at ${MAX_LINES} lines; the live tail is paused.`;
    }
  } catch (e) {
    note.textContent = "Could not load older lines: " + e.message;
  } finally {
    olderButton.disabled = false;
    updateOlder();
  }
}

function pause() {
  following = false;
  stream?.close();
  stream = null;
  status.textContent = "(paused)";
  resumeButton.hidden = false;
}

async function loadTail() {
  following = true;
  resumeButton.hidden = true;
  for (const c of chunks) c.node.remove();
  chunks.length = 0;
  lineCount = 0;
  note.textContent = "";
  try {
    const tail = await getJson(cvmApi(id, "/console"));
    first = tail.first;
    append(tail.start, tail.end, tail.lines);
    box.scrollTop = box.scrollHeight;
    follow(tail.end);
  } catch (e) {
    status.textContent = "(unavailable)";
  }
}

/** Follows from an offset; after an error it starts again from the last offset it got. */
function follow(from) {
  if (!following) return;
  status.textContent = "(live)";
  const es = new EventSource(cvmApi(id, "/console/stream?from=" + from));
  stream = es;
  let at = from;
  es.addEventListener("lines", (e) => {
    const d = JSON.parse(e.data);
    at = d.end;
    append(d.start, d.end, d.lines);
  });
  es.addEventListener("skipped", (e) => {
    const n = JSON.parse(e.data).bytes;
    const end = chunks.length ? chunks[chunks.length - 1].end : at;
    append(end, end, [`[… ${n} bytes skipped: the page fell behind or they rotated away]`]);
    for (const line of box.lastElementChild.children) line.classList.add("marker");
  });
  es.addEventListener("end", () => {
    es.close();
    stream = null;
    status.textContent = "(ended)";
  });
  es.addEventListener("error", () => {
    if (stream !== es) return;
    es.close();
    stream = null;
    status.textContent = "(reconnecting)";
    setTimeout(() => follow(at), 2000);
  });
}

olderButton.addEventListener("click", loadOlder);
closeOnLeave(() => { stream?.close(); stream = null; }, loadTail);
resumeButton.addEventListener("click", loadTail);

// ---- start

const s = await footer();
if (s.actions) {
  document.getElementById("actions").append(removeButton(id, () => gone("CVM removed.")));
}
connectFeed({
  snapshot: (snap) => {
    syncClock(snap.now);
    const r = snap.cvms.find((c) => c.id === id);
    if (r) loadDetails(); // events missed while the feed was down come with the details
    else gone("CVM not found (removed, or never existed).");
  },
  cvm: ({ event, cvm }) => {
    if (event.cvm_id !== id) return;
    addEvent(event);
    if (cvm) details(cvm, info);
    else gone("CVM removed.");
  },
});
loadTail();
