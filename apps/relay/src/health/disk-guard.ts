/**
 * What the relay does about a full disk (issue 9, item 8): when the {@link DiskMonitor} turns
 * `full`, every live stream ends with `disk-full` and the reason in words (its FFmpeg could not
 * write anyway); new streams are refused by the publish handler until there is room again.
 */
import type { StreamRegistry } from '../streams/stream-registry.ts';
import type { DiskMonitor } from './disk.ts';

/** Starts the monitor and ends live streams whenever the disk turns full; returns the stop function. */
export function guardDisk(disk: DiskMonitor, registry: StreamRegistry): () => void {
  const off = disk.on((status) => {
    if (status.state !== 'full' || !status.reason) return;
    for (const s of registry.live()) void s.end(`${status.reason}; the stream was ended`, 'disk-full');
  });
  disk.start();
  return () => {
    off();
    disk.stop();
  };
}
