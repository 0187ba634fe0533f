import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binValues, histogram, lineChart, niceTicks } from './svg-chart.mjs';

test('ticks are round and cover the range', () => {
  assert.deepEqual(niceTicks(0, 97), [0, 20, 40, 60, 80, 100]);
  assert.deepEqual(niceTicks(0.3, 1.7), [0, 0.5, 1, 1.5, 2]);
  const t = niceTicks(5, 5);
  assert.ok(t[0] <= 5 && t[t.length - 1] >= 5 && t.length >= 2);
});

test('bins count every value, clamping outliers into the edge bins', () => {
  assert.deepEqual(binValues([0, 1, 9.99, 10, 55, -3], 0, 10, 2), [3, 3]);
  assert.deepEqual(binValues([33, 34, 66], 0, 100, 3), [1, 2, 0]);
});

test('a line chart draws one path per series with points, named in a legend, inside the viewBox', () => {
  const svg = lineChart({ title: 'Latency <real-time>', xLabel: 's', yLabel: 'ms', series: [
    { name: 'real-time', points: [[0, 100], [1, 140], [2, 120]] },
    { name: 'HLS', points: [[0, 900], [2, 950]] },
    { name: 'none', points: [] },
  ] });
  assert.equal(svg.match(/<path /g).length, 2);
  assert.match(svg, /Latency &lt;real-time&gt;/);
  assert.match(svg, />real-time</);
  assert.doesNotMatch(svg, />none</);
  for (const [, x, y] of svg.matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)) {
    assert.ok(+x >= 0 && +x <= 720 && +y >= 0 && +y <= 320, `point ${x},${y} outside`);
  }
});

test('a histogram with no samples says so instead of drawing empty axes', () => {
  assert.match(histogram({ title: 'Frame intervals', xLabel: 'ms', series: [{ name: 'x', values: [] }] }), /no samples/);
  const svg = histogram({ title: 'Frame intervals', xLabel: 'ms', series: [{ name: 'paint', values: [33, 33, 34, 66, 33] }] });
  assert.equal(svg.match(/<path /g).length, 1);
});
