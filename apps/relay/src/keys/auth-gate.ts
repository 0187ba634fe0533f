/**
 * Guards the (deliberately slow) key check against floods, without slowing honest publishers:
 * - at most `maxConcurrent` scrypt checks run at once, so the libuv pool stays free for HLS file
 *   reads; at most `maxQueued` wait, the rest are refused as busy;
 * - an address that sent `maxFailures` wrong keys within `windowMs` is refused without a check
 *   until the window passes; checks still running count as wrong until they turn out right, so an
 *   address cannot have more than `maxFailures` guesses in flight at once;
 * - one address may have at most `maxPendingPerAddress` checks running or waiting, so a single
 *   address (an IPv6 /64: the caller passes the group) cannot fill the queue and keep everyone
 *   else's key checks out;
 * - a key that verified recently is recognised from a keyed digest (re-checked for revocation),
 *   so a reconnecting studio does not wait behind a flood.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { TabcastError } from '@tabcast/shared';
import type { KeyStore } from './key-store.ts';

export interface AuthGateOptions {
  /** scrypt checks at once. Default 2. */
  maxConcurrent: number;
  /** Checks waiting for a slot before new ones are refused. Default 64. */
  maxQueued: number;
  /** Wrong keys per address per window before it is locked out. Default 10. */
  maxFailures: number;
  /** Failure window and lockout length, ms. Default 60000. */
  windowMs: number;
  /** How long a verified key is remembered, ms. Default 300000. */
  cacheMs: number;
  /** Checks running or waiting for one address at once; more are refused as busy. Default 4. */
  maxPendingPerAddress: number;
}

export const AUTH_GATE_DEFAULTS: AuthGateOptions = Object.freeze({ maxConcurrent: 2, maxQueued: 64, maxFailures: 10, windowMs: 60_000, cacheMs: 300_000, maxPendingPerAddress: 4 });
const MAX_CACHED = 1000;
const MAX_TRACKED_ADDRESSES = 10_000;

export class AuthGate {
  private running = 0;
  private waiting: (() => void)[] = [];
  private failures = new Map<string, { count: number; since: number }>();
  /** Checks running or queued per address (deleted at 0, so bounded by maxQueued + maxConcurrent). */
  private pending = new Map<string, number>();
  private verified = new Map<string, { keyId: string; until: number }>();
  private secret = randomBytes(32);

  constructor(private keys: KeyStore, private o: AuthGateOptions = AUTH_GATE_DEFAULTS, private now: () => number = Date.now) {}

  /** Resolves to the key's id, or throws TabcastError ('unauthorized' | 'too-many-connections'). */
  async verify(key: string, address: string): Promise<string> {
    const t = this.now();
    // A key that checked out recently passes even from a locked-out address: behind a NAT or a
    // proxy one address is many people, and the broadcaster must not be locked out by a stranger.
    const digest = createHmac('sha256', this.secret).update(key).digest('base64');
    const cached = this.verified.get(digest);
    if (cached && cached.until > t && this.keys.isActive(cached.keyId)) return cached.keyId;
    const fail = this.failures.get(address);
    const recentFailures = fail && t - fail.since < this.o.windowMs ? fail.count : 0;
    const inFlight = this.pending.get(address) ?? 0;
    if (recentFailures + inFlight >= this.o.maxFailures) {
      throw new TabcastError('unauthorized', `too many wrong stream keys from ${address}; wait a minute and check the key`);
    }
    if (inFlight >= this.o.maxPendingPerAddress) {
      throw new TabcastError('too-many-connections', `too many key checks at once from ${address}; try again in a moment`);
    }
    if (this.running >= this.o.maxConcurrent && this.waiting.length >= this.o.maxQueued) {
      throw new TabcastError('too-many-connections', 'the relay is busy checking stream keys; try again in a moment');
    }

    this.pending.set(address, inFlight + 1);
    let keyId: string | null;
    try {
      if (this.running >= this.o.maxConcurrent) await new Promise<void>((resolve) => this.waiting.push(resolve));
      this.running++;
      try {
        keyId = await this.keys.verify(key);
      } finally {
        this.running--;
        this.waiting.shift()?.();
      }
    } finally {
      const n = (this.pending.get(address) ?? 1) - 1;
      if (n <= 0) this.pending.delete(address);
      else this.pending.set(address, n);
    }
    if (!keyId) {
      this.recordFailure(address);
      throw new TabcastError('unauthorized', 'unknown or revoked stream key');
    }
    if (this.verified.size >= MAX_CACHED) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(digest, { keyId, until: this.now() + this.o.cacheMs });
    return keyId;
  }

  private recordFailure(address: string): void {
    const t = this.now();
    const f = this.failures.get(address);
    if (!f || t - f.since >= this.o.windowMs) {
      if (this.failures.size >= MAX_TRACKED_ADDRESSES) this.failures.delete(this.failures.keys().next().value!);
      this.failures.set(address, { count: 1, since: t });
    } else {
      f.count++;
    }
  }
}
