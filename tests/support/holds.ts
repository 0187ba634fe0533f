/**
 * Polling that cannot pass on a lucky sample: the condition must hold on every sample for
 * `forMs` in a row (sampled every `everyMs`) before `timeoutMs` runs out. On timeout it throws with
 * the recent samples, so a failure says what was seen.
 */
export async function holds<T>(
  what: string,
  sample: () => Promise<T>,
  ok: (value: T) => boolean,
  { forMs, timeoutMs, everyMs = 250 }: { forMs: number; timeoutMs: number; everyMs?: number },
): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  let run: T[] = [];
  let runStart = 0;
  const seen: T[] = [];
  for (;;) {
    const value = await sample();
    seen.push(value);
    if (seen.length > 40) seen.shift();
    if (ok(value)) {
      if (!run.length) runStart = Date.now();
      run.push(value);
      if (Date.now() - runStart >= forMs) return run;
    } else run = [];
    if (Date.now() > deadline) throw new Error(`${what}: did not hold for ${forMs} ms within ${timeoutMs} ms; last samples: ${seen.map((v) => JSON.stringify(v)).join(', ')}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
