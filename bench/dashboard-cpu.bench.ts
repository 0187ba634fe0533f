/**
 * The dashboard page's cost in Chromium: a relay with 3 live streams (720p30 2.5 Mbps fixtures,
 * real time, from this process) and headless Chromium showing /dashboard (6 uPlot charts redrawn
 * on each 2 s push, stream table, log tail). CPU of every Chromium process (browser, renderer,
 * GPU/utility) is read from /proc over the measurement window, after a 10 s warm-up; % of one core.
 *   pnpm exec tsx bench/dashboard-cpu.bench.ts [seconds=30] [runs=2]
 */
import { execFileSync } from 'node:child_process';
import { loadFixture } from '../apps/relay/test/support/fixture.ts';
import { TestPublisher } from '../apps/relay/test/support/test-publisher.ts';
import { launch } from './studio.ts';
import { BENCH_KEY, median, procSample, round, sleep, startRelayProcess, writeResult } from './lib.ts';

const seconds = Number(process.argv[2] ?? 30);
const runs = Number(process.argv[3] ?? 2);
const STREAMS = 3;

/** The process and all its descendants. */
function tree(pid: number): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  } catch {
    return [pid];
  }
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number);
    children.set(pp!, [...(children.get(pp!) ?? []), p!]);
  }
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...(children.get(all[i]!) ?? []));
  return all;
}

const cpuOf = (pids: number[]) => pids.reduce((s, p) => s + (procSample(p)?.cpuSec ?? 0), 0);

const fx = await loadFixture({ seconds: 20, width: 1280, height: 720, fps: 30, videoKbps: 2500 });
const rows = [];
for (let run = 0; run < runs; run++) {
  const relay = await startRelayProcess({ TABCAST_MAX_STREAMS_PER_KEY: String(STREAMS) });
  const pubs: TestPublisher[] = [];
  for (let i = 0; i < STREAMS; i++) {
    const p = new TestPublisher(relay.url);
    await p.hello(BENCH_KEY);
    p.startStats();
    void p.sendFixture(fx, { pace: 'realtime', loops: Math.ceil((seconds + 30) / 20) }).catch(() => undefined);
    pubs.push(p);
  }
  const browser = await launch();
  const page = await browser.newPage();
  await page.goto(`${relay.url}/dashboard`);
  await page.getByTestId('stream-row').nth(STREAMS - 1).waitFor({ timeout: 20_000 });
  await sleep(10_000);
  // Playwright's launch() hands out no pid; the browser is the chromium child of this process.
  const browserPid = Number(execFileSync('pgrep', ['-n', '-P', String(process.pid), '-f', 'chromium|chrome'], { encoding: 'utf8' }).trim());
  const pids = tree(browserPid);
  const a = cpuOf(pids);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const cpuPct = (100 * (cpuOf(pids) - a)) / ((performance.now() - t0) / 1000);
  const points = Number(await page.getByTestId('chart-bitrate').getAttribute('data-points'));
  await browser.close();
  for (const p of pubs) p.close();
  await relay.stop();
  rows.push({ chromiumCpuPct: round(cpuPct), processes: pids.length, chartPoints: points });
  console.log(JSON.stringify(rows.at(-1)));
}
writeResult('dashboard-cpu', `pnpm exec tsx bench/dashboard-cpu.bench.ts ${seconds} ${runs}`, {
  setup: `${STREAMS} live streams, /dashboard in headless Chromium (software rendering), ${seconds} s per run after 10 s of warm-up`,
  seconds,
  runs: rows,
  medianChromiumCpuPct: round(median(rows.map((r) => r.chromiumCpuPct))),
});
process.exit(0);
