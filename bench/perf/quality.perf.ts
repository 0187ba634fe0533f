/**
 * test:frames:quality — how good the picture viewers get is, against the source, by FFmpeg's
 * `psnr` and `ssim` filters. The source is a still page (text at several sizes, colour gradients,
 * fine lines and a noise field standing in for a photo: what a screen share mostly is), shared
 * through getDisplayMedia like any tab; the reference is Playwright's screenshot of that page.
 * For each studio setting (a quality and an encoding profile, `720p30/high-quality`):
 * - real-time: screenshots of the viewer's canvas, shown at the source's size;
 * - HLS: the newest whole segment the relay wrote, every frame of it, decoded by FFmpeg.
 * Both are scaled to the source's size before comparing (a 480p viewer is judged as seen at 720p).
 * Each setting also has its ceiling: the source scaled to the setting's size and back, uncompressed
 * (a 480p picture cannot hold 1-px lines, whatever the encoder does). Budgets are against it.
 *   pnpm exec tsx bench/perf/quality.perf.ts [settings=720p30/low-latency,720p30/high-quality,720p30/battery-saving] [--smoke]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { launchRealPath, newContext } from '../../tests/support/real-path.ts';
import { median, round, sleep, startRelayProcess } from '../lib.ts';
import { goLive } from '../studio.ts';
import { applyProfile, findPreset, findProfile } from '../../packages/shared/src/presets.ts';
import { budget, finish, positional, SMOKE, type Budget } from './perf-lib.ts';

const QUALITY_TITLE = 'Tabcast quality card';
const qualities = (positional[0] ?? (SMOKE ? '720p30/low-latency' : '720p30/low-latency,720p30/high-quality,720p30/battery-saving')).split(',');
const SHOTS = SMOKE ? 3 : 6;
const W = 1280;
const H = 720;

/** The still source: deterministic, with detail at every scale a codec struggles with. */
const CARD_HTML = `<!doctype html><title>${QUALITY_TITLE}</title><style>html,body{margin:0;background:#fff;overflow:hidden}</style>
<canvas id=c width=${W} height=${H}></canvas><script>
const c = document.getElementById('c').getContext('2d');
const g = c.createLinearGradient(0, 0, ${W}, 0);
['#e11d48','#f59e0b','#10b981','#3b82f6','#8b5cf6'].forEach((k, i) => g.addColorStop(i / 4, k));
c.fillStyle = g; c.fillRect(0, 0, ${W}, 120);
let seed = 12345; const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const img = c.createImageData(400, 300);
for (let i = 0; i < img.data.length; i += 4) { const v = 80 + rnd() * 120; img.data[i] = v; img.data[i + 1] = v * 0.8 + rnd() * 40; img.data[i + 2] = 120; img.data[i + 3] = 255; }
c.putImageData(img, 840, 160);
c.fillStyle = '#111';
[40, 28, 20, 14, 11].forEach((px, i) => { c.font = px + 'px sans-serif'; c.fillText('The quick brown fox jumps over the lazy dog 0123456789 — Tabcast', 20, 170 + i * 60); });
for (let x = 20; x < 800; x += 4) { c.fillRect(x, 480, 1, 80); }
for (let y = 580; y < 700; y += 3) { c.fillRect(20, y, 780, 1); }
c.strokeStyle = '#2563eb'; c.lineWidth = 2; c.beginPath(); c.arc(1040, 600, 90, 0, Math.PI * 2); c.stroke();
</script>`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-quality-'));

/** FFmpeg's PSNR (dB, average over frames) and SSIM (All) of `distorted` against the still `reference`. */
function compare(distorted: string[], reference: string, via?: { width: number; height: number }): { psnrDb: number; ssim: number } {
  /** FFmpeg prints the filters' figures on stderr. */
  const stderr = (filter: 'psnr' | 'ssim') => {
    const n = distorted.length;
    // The ceiling: the picture at `via`'s size (area-averaged, as a good scaler would), shown at the source's.
    const down = via ? `scale=${via.width}:${via.height}:flags=area,` : '';
    const chain = `${distorted.map((_, i) => `[${i}:v]${down}scale=${W}:${H}:flags=bicubic,format=yuv420p,setpts=PTS-STARTPTS[d${i}]`).join(';')};${n > 1 ? `${distorted.map((_, i) => `[d${i}]`).join('')}concat=n=${n}:v=1[d]` : '[d0]null[d]'};[${n}:v]scale=${W}:${H},format=yuv420p[r];[d][r]${filter}=shortest=1`;
    const args = ['-hide_banner', '-nostats', ...distorted.flatMap((d) => ['-i', d]), '-loop', '1', '-i', reference, '-filter_complex', chain, '-f', 'null', '-'];
    return spawnSync('ffmpeg', args, { encoding: 'utf8' }).stderr;
  };
  const psnr = stderr('psnr').match(/PSNR .*average:([\d.]+|inf)/);
  const ssim = stderr('ssim').match(/SSIM .*All:([\d.]+)/);
  return { psnrDb: psnr ? (psnr[1] === 'inf' ? 99 : round(Number(psnr[1]), 2)) : NaN, ssim: ssim ? round(Number(ssim[1]), 4) : NaN };
}

/** The newest whole segment of the stream's HLS playlist, saved to a file. */
async function newestSegment(base: string, hlsUrl: string, name: string): Promise<string> {
  const playlist = await (await fetch(new URL(hlsUrl, base))).text();
  const uris = playlist.split('\n').filter((l) => l && !l.startsWith('#'));
  const uri = uris.at(-1);
  if (!uri) throw new Error(`no segment in ${hlsUrl} yet:\n${playlist}`);
  const file = path.join(tmp, name);
  fs.writeFileSync(file, Buffer.from(await (await fetch(new URL(uri, new URL(hlsUrl, base)))).arrayBuffer()));
  return file;
}

async function viewerShots(viewer: Page, prefix: string): Promise<string[]> {
  // The canvas shown at the source's size, one device pixel per picture pixel.
  await viewer.addStyleTag({ content: `canvas { width: ${W}px !important; height: ${H}px !important; max-width: none !important; }` });
  const canvas = viewer.locator('canvas').first();
  const files: string[] = [];
  for (let i = 0; i < SHOTS; i++) {
    const file = path.join(tmp, `${prefix}-${i}.png`);
    await canvas.screenshot({ path: file, animations: 'disabled' });
    files.push(file);
    await sleep(1_000);
  }
  return files;
}

const relay = await startRelayProcess();
const browser = await launchRealPath([], QUALITY_TITLE);
type Figures = { psnrDb: number; ssim: number };
const rows: { quality: string; size: string; ceiling: Figures; realtime: Figures; hls: Figures }[] = [];
try {
  for (const quality of qualities) {
    const context = await newContext(browser);
    const card = await context.newPage();
    await card.setContent(CARD_HTML);
    const reference = path.join(tmp, 'reference.png');
    await card.screenshot({ path: reference });
    const studio = await context.newPage();
    const [q, profile] = quality.split('/');
    const href = await goLive(studio, relay.url, 'screen', { quality: q, profile });
    const viewer = await context.newPage();
    await viewer.setViewportSize({ width: W + 100, height: H + 300 });
    await viewer.goto(`${relay.url}${href}?mode=realtime`);
    await viewer.getByTestId('rt-stats').waitFor({ timeout: 30_000 });
    await sleep(5_000); // past the first keyframe's GOP, and an HLS segment written
    const realtime = compare(await viewerShots(viewer, quality.replace('/', '-')), reference);
    const streamId = href.split('/').pop()!;
    const hls = compare([await newestSegment(relay.url, `/hls/${streamId}/index.m3u8`, `${quality.replace('/', '-')}.seg`)], reference);
    const out = applyProfile(findPreset(q!), findProfile(profile!));
    const ceiling = out.width === W && out.height === H ? { psnrDb: 99, ssim: 1 } : compare([reference], reference, out);
    rows.push({ quality, size: `${out.width}×${out.height}`, ceiling, realtime, hls });
    console.log(JSON.stringify(rows.at(-1)));
    await studio.getByRole('button', { name: /Stop/ }).click().catch(() => undefined);
    await context.close();
  }
} finally {
  await browser.close();
  await relay.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}

/** Each path of each setting: at least 22 dB / 0.8 SSIM, or within 3 dB / 0.05 of what its size allows. */
const budgets: Budget[] = rows.flatMap((r) =>
  (['realtime', 'hls'] as const).flatMap((path) => [
    budget(`${r.quality} ${path} PSNR`, r[path].psnrDb, 'min', round(Math.min(22, r.ceiling.psnrDb - 3), 2), 'dB'),
    budget(`${r.quality} ${path} SSIM`, r[path].ssim, 'min', round(Math.min(0.8, r.ceiling.ssim - 0.05), 4), ''),
  ]),
);
finish('quality', `pnpm exec tsx bench/perf/quality.perf.ts ${qualities.join(',')}${SMOKE ? ' --smoke' : ''}`, {
  setup: `a still ${W}×${H} page (text from 40 px down to 11 px, gradients, 1-px lines, a noise field) shared through getDisplayMedia; reference: its screenshot; real-time: ${SHOTS} screenshots of the viewer's canvas, 1 s apart; HLS: every frame of the newest segment; all scaled to ${W}×${H} (bicubic), compared in YUV 4:2:0 by FFmpeg's psnr and ssim filters; the ceiling is the reference itself scaled to the setting's size (area) and back, uncompressed`,
  rows,
  medianPsnrDb: round(median(rows.flatMap((r) => [r.realtime.psnrDb, r.hls.psnrDb])), 2),
  budgets,
});
process.exit();
