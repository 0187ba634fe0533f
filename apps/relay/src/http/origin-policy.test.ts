import { test } from 'node:test';
import assert from 'node:assert/strict';
import { originPolicy } from './origin-policy.ts';

test('the Origin is checked against the public URL and the allowlist, never against the Host header', () => {
  const p = originPolicy({ publicUrl: 'https://live.example.com', host: '0.0.0.0', allowedOrigins: ['https://studio.example.org'] });
  assert.ok(p.originAllowed(undefined), 'non-browser clients');
  assert.ok(p.originAllowed('https://live.example.com'));
  assert.ok(p.originAllowed('https://studio.example.org'));
  assert.ok(!p.originAllowed('https://evil.example'), 'a page elsewhere');
  assert.ok(!p.originAllowed('http://localhost:8080'), 'loopback origins only for a loopback relay');
  assert.ok(p.hostAllowed('evil.example'), 'the Host check applies only when bound to loopback');
});

test('a loopback relay accepts loopback origins and refuses rebound host names', () => {
  const p = originPolicy({ publicUrl: 'http://localhost:8080', host: '127.0.0.1', allowedOrigins: [] });
  for (const o of ['http://localhost:8080', 'http://127.0.0.1:5173', 'http://[::1]:8080']) assert.ok(p.originAllowed(o), o);
  assert.ok(!p.originAllowed('http://evil.example:8080'));
  assert.ok(!p.originAllowed('http://localhost.evil.example'));
  for (const h of ['localhost:8080', '127.0.0.1:8080', '[::1]:8080', 'app.localhost']) assert.ok(p.hostAllowed(h), h);
  assert.ok(!p.hostAllowed('evil.example:8080'), 'DNS rebinding');
  assert.ok(!p.hostAllowed('127.0.0.1.nip.io:8080'));
});
