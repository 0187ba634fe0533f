/**
 * What the monitoring points cost (packages/shared/src/monitoring.ts): the same module timed in
 * Node (the relay's perf_hooks) and in Chromium (a page and a dedicated worker: Blink's User
 * Timing), per call: a stage timed with start/end, a synchronous stage (`time`), an interval tick.
 * The cost per frame is what the path does per video frame — the studio 5 points, the relay 2,
 * the viewer 4 — and the share of a core is that at 30 fps.
 *   pnpm exec tsx bench/perf/instrumentation.perf.ts [calls=200000] [--smoke]
 */
import { createRequire } from 'node:module';
import { chromium } from '@playwright/test';
import { IntervalMeter, StageTimer } from '@tabcast/shared';
import { timeCalls } from './instrumentation-body.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../tests/chromium.ts';
import { median, round } from '../lib.ts';
import { budget, finish, positional, SMOKE } from './perf-lib.ts';

const calls = Number(positional[0] ?? (SMOKE ? 10_000 : 200_000));
const RUNS = SMOKE ? 3 : 7;
/** Monitoring points per video frame on each side (see the file comment). */
const PER_FRAME = { studio: 5, relay: 2, viewer: 4 };

type Costs = ReturnType<typeof timeCalls>;
const medianOf = (runs: Costs[]): Costs => ({
  startEndNs: round(median(runs.map((r) => r.startEndNs)), 0),
  timeNs: round(median(runs.map((r) => r.timeNs)), 0),
  tickNs: round(median(runs.map((r) => r.tickNs)), 0),
});

const node: Costs[] = [];
for (let r = 0; r < RUNS; r++) node.push(timeCalls(calls, { StageTimer, IntervalMeter }));

// The same module for the browser, bundled by esbuild (tsx's own), run in a page and in a worker.
interface Esbuild {
  build(o: Record<string, unknown>): Promise<{ outputFiles: { text: string }[] }>;
}
const esbuild = createRequire(createRequire(import.meta.url).resolve('tsx'))('esbuild') as Esbuild;
const bundle = await esbuild.build({
  stdin: {
    contents: `import { StageTimer, IntervalMeter } from '../../packages/shared/src/monitoring.ts'; import { timeCalls } from './instrumentation-body.ts'; globalThis.runBench = (n) => timeCalls(n, { StageTimer, IntervalMeter });`,
    resolveDir: import.meta.dirname,
    loader: 'ts',
  },
  bundle: true,
  write: false,
  format: 'iife',
  target: 'es2022',
});
const code = bundle.outputFiles[0]!.text;
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
const page = await browser.newPage();
await page.goto('about:blank');
await page.addScriptTag({ content: code });
const pageRuns: Costs[] = [];
for (let r = 0; r < RUNS; r++) pageRuns.push(await page.evaluate((n) => (globalThis as unknown as { runBench(n: number): Costs }).runBench(n), calls));
const workerRuns: Costs[] = await page.evaluate(
  ({ code, n, runs }) =>
    new Promise<Costs[]>((resolve) => {
      const src = `${code}; onmessage = (e) => postMessage(Array.from({ length: e.data.runs }, () => runBench(e.data.n)));`;
      const w = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
      w.onmessage = (e) => resolve(e.data as Costs[]);
      w.postMessage({ n, runs });
    }),
  { code, n: calls, runs: RUNS },
);
await browser.close();

const result = { node: medianOf(node), page: medianOf(pageRuns), worker: medianOf(workerRuns) };
/** Share of one core at 30 fps for `points` start/end pairs per frame at `ns` each. */
const pctOfCore = (points: number, ns: number) => round((points * ns * 30) / 1e9 * 100, 4);
const perFrame = {
  studioWorkerPctOfCore: pctOfCore(PER_FRAME.studio, result.worker.startEndNs),
  relayPctOfCorePerStream: pctOfCore(PER_FRAME.relay, Math.max(result.node.startEndNs, result.node.tickNs)),
  viewerWorkerPctOfCore: pctOfCore(PER_FRAME.viewer, result.worker.startEndNs),
};
console.log(JSON.stringify({ ...result, perFrame }));
finish('instrumentation', `pnpm exec tsx bench/perf/instrumentation.perf.ts ${calls}${SMOKE ? ' --smoke' : ''}`, {
  setup: `${calls} calls of each kind, ${RUNS} runs, medians; User Timing marks and measures made and cleared on every call; Node ${process.version} and headless Chromium (page and dedicated worker)`,
  calls,
  nsPerCall: result,
  perFrame,
  budgets: [
    budget('studio worker cost at 30 fps', perFrame.studioWorkerPctOfCore, 'max', 1, '% of a core'),
    budget('viewer worker cost at 30 fps', perFrame.viewerWorkerPctOfCore, 'max', 1, '% of a core'),
    budget('relay cost per stream at 30 fps', perFrame.relayPctOfCorePerStream, 'max', 1, '% of a core'),
  ],
});
process.exit();
