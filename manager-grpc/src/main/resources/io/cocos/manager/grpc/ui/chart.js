// A line chart on a canvas, hand-written: three small charts need no library. Nulls are gaps;
// the y axis starts at 0 and ends at the series' maximum.

/** Draws series (arrays of number|null over the same times, ms) with colours from CSS. */
export function drawChart(canvas, times, series, format) {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width, h = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(w * ratio)) {
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
  }
  const g = canvas.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, w, h);
  const style = getComputedStyle(canvas);
  const pad = { l: 8, r: 8, t: 18, b: 16 };
  let max = 0;
  for (const s of series) for (const v of s.values) if (v != null && v > max) max = v;
  max = max > 0 ? max * 1.1 : 1;
  const t0 = times.length ? times[0] : 0, t1 = times.length ? times[times.length - 1] : 1;
  const x = (t) => pad.l + (t1 > t0 ? (t - t0) / (t1 - t0) : 1) * (w - pad.l - pad.r);
  const y = (v) => h - pad.b - (v / max) * (h - pad.t - pad.b);

  g.strokeStyle = style.getPropertyValue("--grid").trim() || "#ddd";
  g.lineWidth = 1;
  g.beginPath();
  for (const f of [0, 0.5, 1]) {
    const yy = Math.round(y(max * f / 1.1)) + 0.5;
    g.moveTo(pad.l, yy);
    g.lineTo(w - pad.r, yy);
  }
  g.stroke();
  g.fillStyle = style.color;
  g.font = "11px system-ui, sans-serif";
  g.fillText(format(max / 1.1), pad.l, 12);
  if (times.length > 1) {
    const span = Math.round((t1 - t0) / 1000);
    const label = span >= 120 ? Math.round(span / 60) + " min" : span + " s";
    g.fillText("last " + label, pad.l, h - 3);
  }
  series.forEach((s, i) => {
    g.strokeStyle = style.getPropertyValue(i ? "--line-b" : "--line-a").trim() || "#36c";
    g.lineWidth = 1.5;
    g.beginPath();
    let pen = false;
    s.values.forEach((v, k) => {
      if (v == null) { pen = false; return; }
      if (pen) g.lineTo(x(times[k]), y(v));
      else g.moveTo(x(times[k]), y(v));
      pen = true;
    });
    g.stroke();
  });
}
