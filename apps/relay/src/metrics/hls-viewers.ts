/**
 * HLS viewers, estimated: distinct clients (address + user agent) that fetched a stream's playlist
 * or segments within the last {@link HLS_VIEWER_WINDOW_MS}. HLS is plain HTTP, so this is the
 * best a relay can count; a CDN in front hides its viewers behind its own few addresses.
 */
export const HLS_VIEWER_WINDOW_MS = 10_000;

export class HlsViewerTracker {
  private seen = new Map<string, Map<string, number>>();

  constructor(private now: () => number = Date.now) {}

  record(streamId: string, client: string): void {
    let clients = this.seen.get(streamId);
    if (!clients) this.seen.set(streamId, (clients = new Map()));
    clients.set(client, this.now());
  }

  count(streamId: string): number {
    const clients = this.seen.get(streamId);
    if (!clients) return 0;
    const since = this.now() - HLS_VIEWER_WINDOW_MS;
    for (const [c, t] of clients) if (t < since) clients.delete(c);
    if (clients.size === 0) this.seen.delete(streamId);
    return clients.size;
  }

  forget(streamId: string): void {
    this.seen.delete(streamId);
  }
}
