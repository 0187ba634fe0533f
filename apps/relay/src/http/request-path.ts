/**
 * The pathname of a request target, or null when it is not a valid one. Never throws: the target
 * is whatever a client sent (`GET //[ HTTP/1.1` is a real attack on `new URL`).
 */
export function requestPath(target: string | undefined): string | null {
  if (!target || target[0] !== '/' || target.length > 2048) return null;
  try {
    return new URL(target, 'http://relay').pathname;
  } catch {
    return null;
  }
}
