import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HLS_VIEWER_WINDOW_MS, HlsViewerTracker } from './hls-viewers.ts';

test('HLS viewers are distinct clients seen within the window, and are forgotten after it', () => {
  let now = 0;
  const t = new HlsViewerTracker(() => now);
  t.record('s1', 'a');
  t.record('s1', 'a');
  t.record('s1', 'b');
  t.record('s2', 'a');
  assert.equal(t.count('s1'), 2);
  assert.equal(t.count('s2'), 1);
  now = HLS_VIEWER_WINDOW_MS - 1;
  t.record('s1', 'b');
  now = HLS_VIEWER_WINDOW_MS + 1;
  assert.equal(t.count('s1'), 1, 'a went quiet');
  assert.equal(t.count('s2'), 0);
  assert.equal(t.count('nope'), 0);
});
