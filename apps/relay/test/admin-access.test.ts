/**
 * Who sees operational data: with TABCAST_ADMIN_TOKEN set, a client without the token gets
 * nothing from /api/metrics, /api/logs or /ws/dashboard; without a token, only loopback clients
 * do. Also: the SSE log tail follows the relay's own logger with a level filter, and metricsPort
 * moves /api/metrics to a port of its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import os from 'node:os';
import { WebSocket } from 'ws';
import type { DashboardMessage } from '@tabcast/shared';
import { until } from './support/poll.ts';
import { freePort } from './support/relay-child.ts';
import { startRelay } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';

const TOKEN = 'admin-token-0123456789abcdef';

/** Opens a WebSocket; resolves with its first message, or rejects with the HTTP status it was refused with. */
function firstMessage(url: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
    ws.once('message', (d) => {
      resolve(String(d));
      ws.close();
    });
  });
}

/** GET with a raw request (optionally from a given local address), body read whole or for `ms` at most. */
function get(url: string, headers: Record<string, string> = {}, localAddress?: string, ms = 1_500): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, ...(localAddress ? { localAddress } : {}) }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      const done = () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body });
      res.on('end', done);
      setTimeout(() => {
        done();
        req.destroy();
      }, ms);
    });
    req.on('error', reject);
  });
}

test('with an admin token, a client without it gets nothing from metrics, the log stream or the dashboard socket', async () => {
  const relay = await startRelay({ adminToken: TOKEN });
  try {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789abc' }] as Record<string, string>[]) {
      const m = await get(`${relay.url}/api/metrics`, headers);
      assert.equal(m.status, 401);
      assert.doesNotMatch(m.body, /stream_manager|process_cpu/);
      const l = await get(`${relay.url}/api/logs`, headers);
      assert.equal(l.status, 401);
      assert.doesNotMatch(l.type, /event-stream/);
      assert.doesNotMatch(l.body, /"level"/);
      await assert.rejects(firstMessage(`${relay.url.replace('http', 'ws')}/ws/dashboard`, headers), /HTTP 401/);
    }
    await assert.rejects(firstMessage(`${relay.url.replace('http', 'ws')}/ws/dashboard?token=nope`), /HTTP 401/);
    // With it: the data.
    const ok = await get(`${relay.url}/api/metrics`, { authorization: `Bearer ${TOKEN}` });
    assert.equal(ok.status, 200);
    assert.match(ok.body, /^process_cpu_seconds_total /m);
    assert.equal((await get(`${relay.url}/api/metrics?token=${TOKEN}`)).status, 200);
    const snap = JSON.parse(await firstMessage(`${relay.url.replace('http', 'ws')}/ws/dashboard?token=${TOKEN}`)) as DashboardMessage;
    assert.equal(snap.type, 'snapshot');
    assert.ok(['healthy', 'degraded', 'unhealthy'].includes(snap.health.status));
    assert.ok(snap.relay.heapLimitBytes > 0);
    // Health stays public: a load balancer has no token.
    assert.ok([200, 503].includes((await get(`${relay.url}/api/health`)).status));
  } finally {
    await relay.stop();
  }
});

test('without a token, only loopback clients get operational data (also behind a trusted proxy)', async (t) => {
  const external = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  const port = await freePort();
  const relay = await startRelay({ host: '0.0.0.0', port });
  try {
    assert.equal((await get(`http://127.0.0.1:${port}/api/metrics`)).status, 200, 'loopback sees metrics');
    if (!external) t.diagnostic('no non-loopback IPv4 address here: only the proxy case is checked');
    else {
      const m = await get(`http://${external}:${port}/api/metrics`, {}, external);
      assert.equal(m.status, 403);
      assert.doesNotMatch(m.body, /stream_manager|process_cpu/);
      assert.equal((await get(`http://${external}:${port}/api/logs`, {}, external)).status, 403);
      await assert.rejects(firstMessage(`ws://${external}:${port}/ws/dashboard`), /HTTP 403/);
    }
  } finally {
    await relay.stop();
  }
  const proxied = await startRelay({ trustProxyHops: 1 });
  try {
    const m = await get(`${proxied.url}/api/metrics`, { 'x-forwarded-for': '203.0.113.9' });
    assert.equal(m.status, 403, 'a forwarded outside client is not loopback');
    assert.doesNotMatch(m.body, /process_cpu/);
  } finally {
    await proxied.stop();
  }
});

test('the log stream is text/event-stream from the same logger, filtered by level', async () => {
  const relay = await startRelay({ adminToken: TOKEN });
  const lines: string[] = [];
  const req = http.get(`${relay.url}/api/logs?level=warn&token=${TOKEN}`, (res) => {
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    res.setEncoding('utf8');
    res.on('data', (d: string) => lines.push(...d.split('\n').filter((l) => l.startsWith('data: '))));
  });
  req.on('error', () => undefined);
  try {
    await until('the stream to open', 3_000, () => lines.length >= 0 && req.socket?.readyState === 'open');
    // A refused publisher writes a warn line; the same moment's info lines must not come through.
    const startedAt = Date.now();
    const bad = new TestPublisher(relay.url);
    await bad.opened();
    bad.send({ type: 'hello', version: 2, key: 'not-a-valid-key-000', video: { codec: 'avc' }, audio: null });
    const line = await until('the refusal line in the log stream', 2_000, () => lines.find((l) => l.includes('publisher refused')), 50);
    assert.ok(Date.now() - startedAt < 2_000);
    const entry = JSON.parse(line.slice('data: '.length)) as { level: string; msg: string; t: string };
    assert.equal(entry.level, 'warn');
    assert.ok(relay.logs.some((l) => l.includes('publisher refused')), 'the same line went to the log output');
    assert.ok(lines.every((l) => !l.includes('"level":"info"') && !l.includes('"level":"debug"')), 'nothing under warn');
    bad.close();
  } finally {
    req.destroy();
    await relay.stop();
  }
});

test('metricsPort serves /api/metrics on a port of its own, and the main port no longer does', async () => {
  const metricsPort = await freePort();
  const relay = await startRelay({ metricsPort });
  try {
    assert.equal(relay.metricsUrl, `http://127.0.0.1:${metricsPort}`);
    const m = await get(`${relay.metricsUrl}/api/metrics`);
    assert.equal(m.status, 200);
    assert.match(m.body, /^process_cpu_seconds_total /m);
    assert.equal((await get(`${relay.url}/api/metrics`)).status, 404);
    assert.equal((await get(`${relay.metricsUrl}/api/streams`)).status, 404);
  } finally {
    await relay.stop();
  }
});
