import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, resolveConfig } from './config.ts';

test('TABCAST_TRUST_PROXY: off, on (1/true: one proxy) or a number of proxies', () => {
  assert.equal(resolveConfig({}, {}).trustProxyHops, 0);
  assert.equal(resolveConfig({}, { TABCAST_TRUST_PROXY: '1' }).trustProxyHops, 1);
  assert.equal(resolveConfig({}, { TABCAST_TRUST_PROXY: 'true' }).trustProxyHops, 1);
  assert.equal(resolveConfig({}, { TABCAST_TRUST_PROXY: '2' }).trustProxyHops, 2);
  assert.equal(resolveConfig({}, { TABCAST_TRUST_PROXY: 'false' }).trustProxyHops, 0);
  assert.throws(() => resolveConfig({}, { TABCAST_TRUST_PROXY: 'yes' }), /TABCAST_TRUST_PROXY/);
});

test('socket budgets: separate settings; the older single one sets both when they are unset', () => {
  const d = resolveConfig({}, {});
  assert.ok(d.maxViewerConnectionsPerIp > d.maxPublishConnectionsPerIp);
  const legacy = resolveConfig({}, { TABCAST_MAX_CONNECTIONS_PER_IP: '7' });
  assert.equal(legacy.maxPublishConnectionsPerIp, 7);
  assert.equal(legacy.maxViewerConnectionsPerIp, 7);
  const both = resolveConfig({}, { TABCAST_MAX_CONNECTIONS_PER_IP: '7', TABCAST_MAX_VIEWER_CONNECTIONS_PER_IP: '300' });
  assert.equal(both.maxViewerConnectionsPerIp, 300);
});

test('admin token and destination hosts are validated with the setting named', () => {
  assert.throws(() => resolveConfig({}, { TABCAST_ADMIN_TOKEN: 'short' }), (e: Error) => e instanceof ConfigError && /TABCAST_ADMIN_TOKEN/.test(e.message));
  assert.equal(resolveConfig({}, { TABCAST_ADMIN_TOKEN: 'x'.repeat(16) }).adminToken, 'x'.repeat(16));
  assert.deepEqual(resolveConfig({}, { TABCAST_DESTINATION_HOSTS: 'A.rtmp.YouTube.com, *.twitch.tv' }).destinationHosts, ['a.rtmp.youtube.com', '*.twitch.tv']);
  assert.throws(() => resolveConfig({}, { TABCAST_DESTINATION_HOSTS: 'rtmp://x.example' }), /TABCAST_DESTINATION_HOSTS/);
});

test('GOP cache and RTMP chunk size: defaults, 0 turns the cache off, out-of-range values are refused by name', () => {
  const d = resolveConfig({}, {});
  assert.equal(d.gopCacheBytes, 8 << 20);
  assert.equal(d.rtmpChunkSize, 4096);
  assert.equal(resolveConfig({}, { TABCAST_GOP_CACHE_BYTES: '0' }).gopCacheBytes, 0);
  assert.equal(resolveConfig({}, { TABCAST_RTMP_CHUNK_SIZE: '60000' }).rtmpChunkSize, 60_000);
  assert.throws(() => resolveConfig({}, { TABCAST_RTMP_CHUNK_SIZE: '64' }), /TABCAST_RTMP_CHUNK_SIZE/);
  assert.throws(() => resolveConfig({}, { TABCAST_GOP_CACHE_BYTES: '-1' }), /TABCAST_GOP_CACHE_BYTES/);
});
