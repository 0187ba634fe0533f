import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinkWatchdog } from './link-watchdog.ts';

function clock() {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

test('a relay heard every second keeps the link alive; 5 s of silence kills it, with the reason', () => {
  const c = clock();
  const w = new LinkWatchdog(5_000, c.now);
  for (let i = 0; i < 20; i++) {
    c.advance(1_000);
    w.heard();
    assert.equal(w.check(i * 1000, 0), null);
  }
  c.advance(4_900);
  assert.equal(w.check(30_000, 0), null, '4.9 s of silence is not yet dead');
  c.advance(100);
  assert.equal(w.check(30_000, 0), 'nothing heard from the relay for 5 s');
});

test('a socket buffer that stops draining for 5 s is dead, even while messages still come', () => {
  const c = clock();
  const w = new LinkWatchdog(5_000, c.now);
  let sent = 0;
  // Draining: bytes leave each check although the buffer stays full.
  for (let i = 0; i < 10; i++) {
    c.advance(500);
    w.heard();
    sent += 10_000;
    assert.equal(w.check(sent, 400_000), null);
  }
  // Stuck: the relay's heartbeats still arrive (a one-way stall), nothing leaves.
  for (let i = 0; i < 9; i++) {
    c.advance(500);
    w.heard();
    assert.equal(w.check(sent, 400_000), null, `stuck ${(i + 1) * 0.5} s`);
  }
  c.advance(500);
  w.heard();
  assert.match(w.check(sent, 400_000) ?? '', /the connection stopped sending \(391 KiB stuck for 5 s\)/);
});

test('an empty buffer is never stuck', () => {
  const c = clock();
  const w = new LinkWatchdog(5_000, c.now);
  for (let i = 0; i < 20; i++) {
    c.advance(1_000);
    w.heard();
    assert.equal(w.check(0, 0), null);
  }
});
