/**
 * Socket budgets. Publishers and viewers count separately per address (an IPv6 /64), so a crowd of
 * viewers behind one NAT never uses up the broadcaster's own reconnect; viewers also count per
 * stream and across the relay. `take` returns a release function, or the refusal in words.
 */
import type { RelayConfig } from '../config/config.ts';

export type SocketKind = 'publish' | 'events' | 'watch';

export type Refusal = { code: 'too-many-connections' | 'too-many-viewers'; reason: string };

type Limits = Pick<RelayConfig, 'maxPublishConnectionsPerIp' | 'maxViewerConnectionsPerIp' | 'maxViewersPerStream' | 'maxViewerConnections'>;

export class ConnectionBudget {
  private publishByGroup = new Map<string, number>();
  private viewersByGroup = new Map<string, number>();
  private viewersByStream = new Map<string, number>();
  private viewers = 0;

  constructor(private limits: Limits) {}

  /** `streamId` for a watch socket. */
  take(kind: SocketKind, group: string, streamId?: string): (() => void) | Refusal {
    const l = this.limits;
    if (kind === 'publish') {
      if ((this.publishByGroup.get(group) ?? 0) >= l.maxPublishConnectionsPerIp) {
        return { code: 'too-many-connections', reason: `too many publish connections from ${group} (limit ${l.maxPublishConnectionsPerIp})` };
      }
      bump(this.publishByGroup, group, 1);
      return once(() => bump(this.publishByGroup, group, -1));
    }
    if ((this.viewersByGroup.get(group) ?? 0) >= l.maxViewerConnectionsPerIp) {
      return { code: 'too-many-connections', reason: `too many viewer connections from ${group} (limit ${l.maxViewerConnectionsPerIp})` };
    }
    if (this.viewers >= l.maxViewerConnections) {
      return { code: 'too-many-viewers', reason: `the relay has reached its viewer limit (${l.maxViewerConnections}); try the HLS player` };
    }
    if (streamId !== undefined && (this.viewersByStream.get(streamId) ?? 0) >= l.maxViewersPerStream) {
      return { code: 'too-many-viewers', reason: `this stream has reached its real-time viewer limit (${l.maxViewersPerStream}); try the HLS player` };
    }
    bump(this.viewersByGroup, group, 1);
    if (streamId !== undefined) bump(this.viewersByStream, streamId, 1);
    this.viewers++;
    return once(() => {
      bump(this.viewersByGroup, group, -1);
      if (streamId !== undefined) bump(this.viewersByStream, streamId, -1);
      this.viewers--;
    });
  }
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) (done = true), fn();
  };
}
