// The host: figures from /ui/api/host, then the feed's host samples (one every 2 s) keep the
// last five minutes of charts moving.
import { getJson, fmtBytes, syncClock, connectFeed, footer } from "./common.js";
import { drawChart } from "./chart.js";

const WINDOW_MS = 5 * 60 * 1000;
let samples = [];
let maxVms = 0;
let scheduled = false;

const text = (id, t) => { document.getElementById(id).textContent = t; };

function figures(h) {
  maxVms = h.max_vms;
  const m = h.memory || {};
  text("memory", `${fmtBytes((m.committed_mib ?? 0) * 1048576)} / ${m.limit_mib == null ? "–" : fmtBytes(m.limit_mib * 1048576)}`);
  text("memory-total", m.total_mib == null ? "" : ` of ${fmtBytes(m.total_mib * 1048576)} on the host`);
  text("cpus", `${h.cpus ?? "–"} · ${h.tee ?? "–"}`);
  const states = Object.entries(h.states || {}).map(([s, n]) => `${s}: ${n}`);
  text("states", states.length ? "By state: " + states.join(", ") : "No CVMs.");
}

function add(sample) {
  const last = samples[samples.length - 1];
  if (last && (last.cvms !== sample.cvms || last.running !== sample.running)) refreshFigures();
  samples.push(sample);
  const cut = Date.parse(sample.time) - WINDOW_MS;
  samples = samples.filter((s) => Date.parse(s.time) >= cut);
  schedule();
}

function schedule() {
  if (!scheduled) {
    scheduled = true;
    requestAnimationFrame(draw);
  }
}

function draw() {
  scheduled = false;
  const last = samples[samples.length - 1];
  if (last) {
    text("running", `${last.running} / ${maxVms}`);
    text("total", String(last.cvms));
    text("v-latency", last.create_vm_latency_ms == null ? "" : `now ${Math.round(last.create_vm_latency_ms)} ms`);
    text("v-cvms", `now ${last.cvms}, ${last.running} running`);
    text("v-console", `now ${fmtBytes(last.console_bytes_per_s)}/s`);
  }
  const times = samples.map((s) => Date.parse(s.time));
  const col = (k) => samples.map((s) => s[k]);
  drawChart(document.getElementById("c-latency"), times, [{ values: col("create_vm_latency_ms") }],
    (v) => Math.round(v) + " ms");
  drawChart(document.getElementById("c-cvms"), times,
    [{ values: col("cvms") }, { values: col("running") }], (v) => String(Math.round(v)));
  drawChart(document.getElementById("c-console"), times, [{ values: col("console_bytes_per_s") }],
    (v) => fmtBytes(v) + "/s");
}

/** Memory and states change with the CVMs: re-read when the samples say their count changed. */
async function refreshFigures() {
  figures(await getJson("/ui/api/host"));
}

async function load() {
  const h = await getJson("/ui/api/host");
  syncClock(h.now);
  figures(h);
  samples = h.samples.slice();
  schedule();
}

addEventListener("resize", schedule);
await footer();
connectFeed({
  snapshot: load, // after a reconnect: the samples missed while the feed was down
  host: add,
});
