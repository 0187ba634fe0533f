/**
 * Charts for docs/performance.md, generated as standalone SVG (no dependency, no browser): line
 * charts of a figure over time and histograms of a distribution. Axes get round ticks; every series
 * is named in a legend. Input is data; output is an SVG string.
 */

const W = 720;
const H = 320;
const PAD = { left: 64, right: 16, top: 36, bottom: 48 };
const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563'];

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

/** Round tick values covering [lo, hi], about `count` of them (1, 2 or 5 × a power of ten apart). */
export function niceTicks(lo, hi, count = 5) {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi <= lo) hi = lo + (lo === 0 ? 1 : Math.abs(lo) * 0.1);
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const ticks = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1] < hi) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

const fmt = (v) => (Math.abs(v) >= 1000 ? `${Number((v / 1000).toPrecision(3))}k` : String(Number(v.toPrecision(3))));

function frame({ title, xLabel, yLabel, xTicks, yTicks, sx, sy }) {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  for (const t of yTicks) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y}" y2="${y}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`);
  }
  for (const t of xTicks) {
    const x = sx(t).toFixed(1);
    out.push(`<text x="${x}" y="${H - PAD.bottom + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  out.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}" stroke="#111"/>`);
  out.push(`<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#111"/>`);
  out.push(`<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 10}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${(PAD.top + H - PAD.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  return out;
}

function legend(names) {
  return names.map((name, i) => {
    const x = PAD.left + 12 + i * 150;
    return `<rect x="${x}" y="${PAD.top - 4}" width="10" height="10" fill="${COLOURS[i % COLOURS.length]}"/><text x="${x + 14}" y="${PAD.top + 5}">${esc(name)}</text>`;
  });
}

function scales(xs, ys, { yFrom0 = true } = {}) {
  const xTicks = niceTicks(Math.min(...xs), Math.max(...xs));
  const yTicks = niceTicks(yFrom0 ? Math.min(0, ...ys) : Math.min(...ys), Math.max(...ys));
  const [x0, x1] = [xTicks[0], xTicks[xTicks.length - 1]];
  const [y0, y1] = [yTicks[0], yTicks[yTicks.length - 1]];
  const sx = (v) => PAD.left + ((v - x0) / (x1 - x0 || 1)) * (W - PAD.left - PAD.right);
  const sy = (v) => H - PAD.bottom - ((v - y0) / (y1 - y0 || 1)) * (H - PAD.top - PAD.bottom - 14);
  return { xTicks, yTicks, sx, sy };
}

/**
 * A line chart. `series`: [{ name, points: [[x, y], ...] }]. Series with no points are left out;
 * with no points at all, the chart says so instead of drawing empty axes.
 */
export function lineChart({ title, xLabel, yLabel, series }) {
  const drawn = series.filter((s) => s.points.length);
  const all = drawn.flatMap((s) => s.points);
  if (!all.length) return emptyChart(title);
  const { xTicks, yTicks, sx, sy } = scales(all.map((p) => p[0]), all.map((p) => p[1]));
  const out = frame({ title, xLabel, yLabel, xTicks, yTicks, sx, sy });
  drawn.forEach((s, i) => {
    const d = s.points.map(([x, y], j) => `${j ? 'L' : 'M'}${sx(x).toFixed(1)} ${sy(y).toFixed(1)}`).join('');
    out.push(`<path d="${d}" fill="none" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="1.5"/>`);
  });
  out.push(...legend(drawn.map((s) => s.name)), '</svg>');
  return out.join('\n');
}

/** Counts of `values` in `bins` equal bins over [lo, hi] (values outside are clamped into the edge bins). */
export function binValues(values, lo, hi, bins) {
  const counts = new Array(bins).fill(0);
  const width = (hi - lo) / bins || 1;
  for (const v of values) counts[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)))]++;
  return counts;
}

/**
 * A histogram of one or more distributions over the same bins, drawn as step outlines so they
 * overlay. `series`: [{ name, values }]. The x range is [0, the largest p99], and at most 10 times
 * the largest median, so a few stalls do not squash the rest into one bar; what lies beyond lands
 * in the last bin (the x label says so).
 */
export function histogram({ title, xLabel, series, bins = 40 }) {
  const drawn = series.filter((s) => s.values.length);
  if (!drawn.length) return emptyChart(title);
  const q = (vs, p) => [...vs].sort((a, b) => a - b)[Math.min(vs.length - 1, Math.floor(vs.length * p))];
  const hi = Math.min(Math.max(...drawn.map((s) => q(s.values, 0.99))), 10 * Math.max(...drawn.map((s) => q(s.values, 0.5)))) || 1;
  const width = hi / bins;
  const shares = drawn.map((s) => binValues(s.values, 0, hi, bins).map((c) => (c / s.values.length) * 100));
  const { xTicks, yTicks, sx, sy } = scales([0, hi], shares.flat());
  const out = frame({ title, xLabel: `${xLabel} (the last bin holds everything beyond)`, yLabel: '% of frames', xTicks, yTicks, sx, sy });
  shares.forEach((counts, i) => {
    let d = `M${sx(0).toFixed(1)} ${sy(0).toFixed(1)}`;
    counts.forEach((c, b) => {
      d += `L${sx(b * width).toFixed(1)} ${sy(c).toFixed(1)}L${sx((b + 1) * width).toFixed(1)} ${sy(c).toFixed(1)}`;
    });
    d += `L${sx(hi).toFixed(1)} ${sy(0).toFixed(1)}`;
    out.push(`<path d="${d}" fill="${COLOURS[i % COLOURS.length]}" fill-opacity="0.15" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="1.5"/>`);
  });
  out.push(...legend(drawn.map((s) => s.name)), '</svg>');
  return out.join('\n');
}

function emptyChart(title) {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} 80" width="${W}" height="80" font-family="sans-serif" font-size="13">`,
    `<title>${esc(title)}</title><rect width="${W}" height="80" fill="#fff"/>`,
    `<text x="${W / 2}" y="44" text-anchor="middle">${esc(title)}: no samples in this run</text></svg>`,
  ].join('\n');
}
