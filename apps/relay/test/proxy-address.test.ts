/**
 * Behind a trusted proxy, a client cannot pick the address it is counted under: the relay takes
 * the X-Forwarded-For entry the proxy appended (the rightmost), not the one the client wrote.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { CLOSE_CODES, PROTOCOL_VERSION, decodeRelayMessage, encodeMessage } from '@tabcast/shared';
import { startRelay, TEST_KEY } from './support/relay-harness.ts';

/** A hello through "the proxy": `forwarded` is the X-Forwarded-For header as it reaches the relay. */
function helloVia(url: string, forwarded: string, key: string): Promise<{ welcome: boolean; code: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws/publish', { headers: { 'x-forwarded-for': forwarded } });
    let welcome = false;
    ws.on('open', () => ws.send(encodeMessage({ type: 'hello', version: PROTOCOL_VERSION, key, video: { codec: 'avc' }, audio: null })));
    ws.on('message', (d) => {
      if (decodeRelayMessage(d as Buffer).type === 'welcome') (welcome = true), ws.close();
    });
    ws.on('close', (code) => resolve({ welcome, code }));
    ws.on('error', () => undefined);
  });
}

test('a client writing the victim’s address into X-Forwarded-For locks out only itself', { timeout: 30_000 }, async () => {
  const relay = await startRelay({ trustProxyHops: 1 });
  try {
    const victim = '198.51.100.1';
    const attacker = '203.0.113.66';
    // The attacker sends "X-Forwarded-For: <victim>"; the proxy appends the attacker's real address.
    for (let i = 0; i < 10; i++) assert.equal((await helloVia(relay.url, `${victim}, ${attacker}`, `wrong-key-${i}-xxxxxxxx`)).code, CLOSE_CODES.unauthorized);
    const locked = await helloVia(relay.url, `${victim}, ${attacker}`, TEST_KEY);
    assert.equal(locked.welcome, false, 'the attacker’s own address is locked out');
    const real = await helloVia(relay.url, victim, TEST_KEY);
    assert.equal(real.welcome, true, 'the broadcaster, whose address the attacker wrote, is not');
  } finally {
    await relay.stop();
  }
});
