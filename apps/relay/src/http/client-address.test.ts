import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { addressGroup, clientAddress } from './client-address.ts';

const req = (xff: string | undefined, remote = '10.0.0.1') =>
  ({ headers: xff === undefined ? {} : { 'x-forwarded-for': xff }, socket: { remoteAddress: remote } }) as unknown as IncomingMessage;

test('with a trusted proxy the address is the rightmost X-Forwarded-For entry, never the client-written first one', () => {
  // The client sent "X-Forwarded-For: 6.6.6.6"; nginx appended the real address.
  assert.equal(clientAddress(req('6.6.6.6, 203.0.113.7'), 1), '203.0.113.7');
  assert.equal(clientAddress(req('203.0.113.7'), 1), '203.0.113.7');
  // Two proxies of ours (CDN, then nginx): the entry the CDN appended.
  assert.equal(clientAddress(req('6.6.6.6, 203.0.113.7, 198.51.100.2'), 2), '203.0.113.7');
  assert.equal(clientAddress(req('203.0.113.7'), 3), '203.0.113.7', 'a shorter chain: the leftmost');
});

test('without trust, or with a header that is not an address, the socket address counts', () => {
  assert.equal(clientAddress(req('6.6.6.6'), 0), '10.0.0.1');
  assert.equal(clientAddress(req(undefined), 1), '10.0.0.1');
  assert.equal(clientAddress(req('1.2.3.4, not-an-ip'), 1), '10.0.0.1');
});

test('IPv6 addresses are grouped by /64, IPv4 (also mapped) by address', () => {
  assert.equal(addressGroup('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(addressGroup('2001:db8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64');
  assert.equal(addressGroup('2001:0db8:0001:0002::9'), '2001:db8:1:2::/64');
  assert.notEqual(addressGroup('2001:db8:1:3::1'), addressGroup('2001:db8:1:2::1'));
  assert.equal(addressGroup('::1'), '0:0:0:0::/64');
  assert.equal(addressGroup('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(addressGroup('::ffff:192.0.2.1'), '192.0.2.1');
  assert.equal(addressGroup('192.0.2.1'), '192.0.2.1');
});
