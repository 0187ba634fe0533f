import type { PerMessageDeflateOptions } from 'ws';

/**
 * permessage-deflate for the events socket only (JSON stats, where it saves 85–93 % of bytes;
 * docs/performance.md). Level 3, memLevel 7, 1 KiB threshold are ws' documented starting points;
 * no context takeover and small windows keep per-socket memory low.
 * Negotiating it also lets a client compress what it sends, and RFC 7692 has no parameter to refuse
 * that; what bounds it is the events socket's 125-byte `maxPayload` (server.ts), which ws checks on
 * the frame before inflating and on the inflated bytes while inflating (ws 8 permessage-deflate.js).
 */
export const EVENTS_DEFLATE: PerMessageDeflateOptions = Object.freeze({
  threshold: 1024,
  zlibDeflateOptions: { level: 3, memLevel: 7 },
  serverNoContextTakeover: true,
  clientNoContextTakeover: true,
  serverMaxWindowBits: 10,
  concurrencyLimit: 10,
});
