/**
 * Tells a live link from a dead one on the studio's side. A half-open socket (a network change, a
 * sleeping NAT) raises no error: sends are buffered and the page would go on showing "Live". The
 * link counts as dead when, for {@link LINK_WATCHDOG_DEFAULTS.deadAfterMs}, nothing came from the
 * relay (it sends a `heartbeat` every second), or bytes were waiting in the socket and none of
 * them left. A plain class with an injected clock (link-watchdog.test.ts).
 */

export const LINK_WATCHDOG_DEFAULTS = Object.freeze({
  /** Silence from the relay, or a socket buffer that does not drain, for this long: dead, ms. */
  deadAfterMs: 5_000,
  /** How often the publish client checks, ms. */
  checkIntervalMs: 500,
});

export class LinkWatchdog {
  private lastHeardMs: number;
  private lastSentBytes = 0;
  private lastProgressMs: number;

  constructor(
    private deadAfterMs: number = LINK_WATCHDOG_DEFAULTS.deadAfterMs,
    private now: () => number = () => performance.now(),
  ) {
    this.lastHeardMs = this.lastProgressMs = now();
  }

  /** A message came from the relay. */
  heard(): void {
    this.lastHeardMs = this.now();
  }

  /**
   * `sentBytes`: bytes the socket has put on the wire so far (handed to it minus still buffered);
   * `bufferedBytes`: bytes waiting. Returns why the link is dead, in words, or null while it lives.
   */
  check(sentBytes: number, bufferedBytes: number): string | null {
    const now = this.now();
    if (bufferedBytes === 0 || sentBytes > this.lastSentBytes) this.lastProgressMs = now;
    this.lastSentBytes = sentBytes;
    const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
    if (now - this.lastHeardMs >= this.deadAfterMs) return `nothing heard from the relay for ${seconds(now - this.lastHeardMs)}`;
    if (now - this.lastProgressMs >= this.deadAfterMs) {
      return `the connection stopped sending (${Math.round(bufferedBytes / 1024)} KiB stuck for ${seconds(now - this.lastProgressMs)})`;
    }
    return null;
  }
}
