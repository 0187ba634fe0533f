/** Polls `check` until it returns a truthy value; fails naming `what` (and the last error) after `ms`. */
export async function until<T>(what: string, ms: number, check: () => Promise<T | null | undefined | false> | T | null | undefined | false, everyMs = 250): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Polls `fn` (synchronous) every 50 ms until it returns a truthy value; fails naming `what` after `timeoutMs`. */
export function waitFor<T>(what: string, fn: () => T | null | undefined | false, timeoutMs: number): Promise<T> {
  return until(`timed out waiting for ${what}`, timeoutMs, fn, 50);
}
