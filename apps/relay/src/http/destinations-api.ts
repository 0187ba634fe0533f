/**
 * `/api/destinations`: RTMP destinations stored on the relay, encrypted, per stream key.
 * Authenticated with the stream key (`Authorization: Bearer <key>`); keys are never returned.
 *   GET    /api/destinations        → PublicDestination[]
 *   POST   /api/destinations        {name, url, streamKey} → PublicDestination (201)
 *   DELETE /api/destinations/<id>   → 204
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as v from 'valibot';
import { DestinationKey, RtmpUrl, TabcastError, splitRtmpUrl } from '@tabcast/shared';
import type { AuthGate } from '../keys/auth-gate.ts';
import { destinationHostAllowed, destinationHostOf } from '../util/destination-hosts.ts';
import type { DestinationStore } from '../keys/destination-store.ts';

const MAX_BODY_BYTES = 8 * 1024;
const NewDestination = v.strictObject({
  name: v.pipe(v.string(), v.minLength(1, 'name is empty'), v.maxLength(80)),
  url: RtmpUrl,
  /** May be empty when the key is the URL's last path segment (it is split off and encrypted). */
  streamKey: v.optional(DestinationKey, ''),
});

export async function serveDestinationsApi(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  deps: { gate: AuthGate; store: DestinationStore; address: string; destinationHosts: readonly string[] },
): Promise<void> {
  const send = (status: number, body?: unknown) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  try {
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ')) return send(401, { error: 'send your stream key as Authorization: Bearer <key>' });
    const keyId = await deps.gate.verify(auth.slice(7).trim(), deps.address);
    const id = pathname.slice('/api/destinations'.length).replace(/^\//, '');
    if (req.method === 'GET' && !id) return send(200, deps.store.list(keyId));
    if (req.method === 'POST' && !id) {
      const parsed = v.safeParse(NewDestination, JSON.parse(await readBody(req)));
      if (!parsed.success) {
        const issue = parsed.issues[0];
        return send(400, { error: `${issue.path?.map((p) => String(p.key)).join('.') ?? 'body'}: ${issue.message}` });
      }
      const { url, streamKey } = splitRtmpUrl(parsed.output.url, parsed.output.streamKey);
      if (!streamKey) return send(400, { error: 'streamKey: empty (give it, or put it at the end of the URL)' });
      if (!destinationHostAllowed(url, deps.destinationHosts)) {
        return send(400, { error: `url: host ${destinationHostOf(url)} is not allowed on this relay (TABCAST_DESTINATION_HOSTS)` });
      }
      return send(201, deps.store.add(keyId, parsed.output.name, url, streamKey));
    }
    if (req.method === 'DELETE' && id) return deps.store.remove(keyId, id) ? send(204) : send(404, { error: 'no such destination' });
    return send(405, { error: 'use GET or POST on /api/destinations, DELETE on /api/destinations/<id>' });
  } catch (err) {
    if (err instanceof TabcastError) return send(err.code === 'unauthorized' ? 401 : 429, { error: err.message });
    if (err instanceof SyntaxError) return send(400, { error: 'body is not JSON' });
    if (err instanceof BodyTooLarge) return send(413, { error: err.message });
    return send(400, { error: (err as Error).message });
  }
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => {
      size += d.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge(`body over ${MAX_BODY_BYTES} bytes`));
        req.removeAllListeners('data');
        req.resume(); // read and discard the rest so the 413 can be sent
      } else parts.push(d);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}
