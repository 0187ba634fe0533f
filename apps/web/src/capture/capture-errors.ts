import { TabcastError } from '@tabcast/shared';

/** A capture failure in words the broadcaster can act on. */
export function captureError(err: unknown, what: string): TabcastError {
  const name = (err as DOMException)?.name;
  if (name === 'NotAllowedError') return new TabcastError('capture-failed', `${what} was cancelled or blocked. Try again and allow it.`);
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return new TabcastError('capture-failed', `No ${what.toLowerCase()} is available on this device.`);
  if (name === 'NotReadableError') return new TabcastError('capture-failed', `${what} could not start: the device is in use or the OS refused it.`);
  return new TabcastError('capture-failed', `${what} failed: ${(err as Error)?.message ?? String(err)}`);
}
