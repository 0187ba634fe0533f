/**
 * Keeps a flood of one kind of log line (refused sockets under attack, socket errors) from flooding
 * the log: the first `perWindow` lines of a window are written, the rest counted and summarised once.
 */
import type { Logger, LogLevel } from './logger.ts';

export function throttledLog(log: Logger, level: LogLevel, msg: string, perWindow = 20, windowMs = 10_000, now: () => number = Date.now) {
  let windowStart = now();
  let written = 0;
  let suppressed = 0;
  return (fields: Record<string, unknown>) => {
    const t = now();
    if (t - windowStart >= windowMs) {
      if (suppressed) log[level](`${msg} (${suppressed} more not logged)`, { windowMs });
      windowStart = t;
      written = 0;
      suppressed = 0;
    }
    if (written < perWindow) {
      written++;
      log[level](msg, fields);
    } else suppressed++;
  };
}

export function throttledWarn(log: Logger, msg: string, perWindow = 20, windowMs = 10_000, now: () => number = Date.now) {
  return throttledLog(log, 'warn', msg, perWindow, windowMs, now);
}
