/**
 * The Playwright performance suite's common parts: budgets (generous bounds that catch a
 * regression; the figures themselves go in the report, not in asserts) and result files that
 * scripts/perf.mjs renders into docs/performance.md, charts included.
 */
import { writeResult } from '../lib.ts';

export interface Budget {
  name: string;
  value: number;
  limit: number;
  /** 'max': value must be ≤ limit; 'min': value must be ≥ limit. */
  kind: 'max' | 'min';
  unit: string;
  ok: boolean;
}

export function budget(name: string, value: number, kind: 'max' | 'min', limit: number, unit: string): Budget {
  const ok = Number.isFinite(value) && (kind === 'max' ? value <= limit : value >= limit);
  return { name, value, limit, kind, unit, ok };
}

/** `--smoke` on the command line: the short run CI does, with the same budgets. */
export const SMOKE = process.argv.includes('--smoke');
export const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));

/**
 * Writes bench/results/perf-<name>.json (figures, series for the charts, budgets, command,
 * machine, date), prints the budgets, and sets the exit code to 1 if any budget failed.
 */
export function finish(name: string, command: string, result: { budgets: Budget[] } & Record<string, unknown>): void {
  writeResult(`perf-${name}${SMOKE ? '-smoke' : ''}`, command, { smoke: SMOKE, ...result });
  for (const b of result.budgets) {
    console.log(`${b.ok ? 'ok  ' : 'FAIL'} ${b.name}: ${b.value} ${b.unit} (budget ${b.kind === 'max' ? '≤' : '≥'} ${b.limit})`);
  }
  // Several results from one run: any over budget fails the run.
  if (!result.budgets.every((b) => b.ok)) process.exitCode = 1;
}
