// Small canvas line charts: several series over a shared x axis, gaps where a
// value is null, optional shaded spans (pauses) and a target band.

function niceRange(lo, hi) {
  if (!(hi > lo)) { lo -= 1; hi += 1; }
  const pad = (hi - lo) * 0.08;
  return [lo - pad, hi + pad];
}

// Charts are drawn at their displayed size and the device's pixel ratio. A
// chart drawn while its view is hidden has no size yet: it is drawn when it
// appears, and again whenever its size changes (rotation, resizing).
const drawn = new WeakMap();
const resized = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver((entries) => {
  for (const e of entries) {
    const opts = drawn.get(e.target);
    if (opts && e.target.clientWidth > 0) draw(e.target, opts);
  }
});

// opts: {series:[{points:[[x, y|null]], color, label}], x:[min,max]?, y:[min,max]?,
//        spans:[[x0,x1]], band:[y0,y1], yUnit:'Hz', xUnit:'s'}
export function lineChart(canvas, opts) {
  if (!drawn.has(canvas)) resized?.observe(canvas);
  drawn.set(canvas, opts);
  draw(canvas, opts);
}

function draw(canvas, opts) {
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  const all = opts.series.flatMap((s) => s.points.filter((p) => p[1] !== null && Number.isFinite(p[1])));
  canvas.dataset.points = String(all.length);
  if (width === 0 || height === 0) return;  // hidden: drawn once it has a size
  canvas.dataset.drawnWidth = String(width);
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  const g = canvas.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, width, height);
  const style = getComputedStyle(canvas);
  const ink = style.getPropertyValue('--chart-ink').trim() || '#555';
  const grid = style.getPropertyValue('--chart-grid').trim() || '#ddd';
  g.font = `${width < 480 ? 12 : 11}px system-ui, sans-serif`;

  if (all.length === 0) {
    g.fillStyle = ink;
    g.fillText('No data yet', 12, height / 2);
    return;
  }
  const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
  const [x0, x1] = opts.x ?? [Math.min(...xs), Math.max(...xs) || 1];
  const [y0, y1] = opts.y ?? niceRange(Math.min(...ys), Math.max(...ys));
  const left = 44, right = 10, top = 10, bottom = 22;
  const px = (x) => left + (x - x0) / ((x1 - x0) || 1) * (width - left - right);
  const py = (y) => top + (1 - (y - y0) / ((y1 - y0) || 1)) * (height - top - bottom);

  if (opts.band) {
    g.fillStyle = 'rgba(46, 160, 67, 0.10)';
    g.fillRect(left, py(opts.band[1]), width - left - right, py(opts.band[0]) - py(opts.band[1]));
  }
  for (const [a, b] of opts.spans ?? []) {
    g.fillStyle = 'rgba(120, 120, 120, 0.15)';
    g.fillRect(px(a), top, Math.max(1, px(b) - px(a)), height - top - bottom);
  }
  g.strokeStyle = grid;
  g.fillStyle = ink;
  g.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = y0 + (y1 - y0) * i / 4;
    g.beginPath(); g.moveTo(left, py(y)); g.lineTo(width - right, py(y)); g.stroke();
    g.fillText(`${Math.round(y)}${opts.yUnit ?? ''}`, 2, py(y) + 4);
  }
  const xText = opts.xFormat ?? ((x) => `${(x1 - x0) < 10 ? x.toFixed(1) : Math.round(x)}${opts.xUnit ?? ''}`);
  const xTicks = width < 480 ? 2 : 4;  // on a phone, fewer labels so dates do not overlap
  for (let i = 0; i <= xTicks; i++) {
    const x = x0 + (x1 - x0) * i / xTicks;
    g.textAlign = i === 0 ? 'left' : i === xTicks ? 'right' : 'center';  // keep the end labels inside
    g.fillText(xText(x), px(x), height - 6);
  }
  g.textAlign = 'left';
  for (const s of opts.series) {
    g.strokeStyle = s.color;
    g.fillStyle = s.color;
    g.lineWidth = 2;
    g.beginPath();
    let pen = false;
    for (const [x, y] of s.points) {
      if (y === null || !Number.isFinite(y)) { pen = false; continue; }
      if (pen) g.lineTo(px(x), py(y)); else g.moveTo(px(x), py(y));
      pen = true;
    }
    g.stroke();
    if (s.dots) for (const [x, y] of s.points) if (y !== null) { g.beginPath(); g.arc(px(x), py(y), 3, 0, 7); g.fill(); }
  }
}
