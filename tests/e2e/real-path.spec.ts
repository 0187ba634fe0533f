/**
 * Real-time viewing on the path broadcasters take: the studio shares a real tab (the latency test
 * card, picked by title as a person would pick it in the browser's dialog) and the viewer reads
 * the card's clock back from the real-time canvas, for 20 s, with a CPU busy-loop running beside.
 * Latency must stay bounded: under 1 s over the run (its median), never far over it for longer
 * than a moment (every two-second median under 2.5 s: on a saturated 2-core machine running the
 * whole suite, a starved decoder's resync waits for the next keyframe and a spike of 1.5–1.9 s for
 * two seconds was seen in CI), and no growth (the last 5 s no more than 300 ms above the first
 * 5 s): the 9 s a shared tab once grew to fails all three. Generous bounds that catch a
 * regression; the figures are in docs/performance.md.
 */
import { expect, test } from '@playwright/test';
import { E2E_KEY } from '../../playwright.config.ts';
import { CHROMIUM_PATH } from '../chromium.ts';
import { CARD_TITLE, REAL_PATH_ARGS, collect, cpuBurner, waitForSamples, type Sample } from '../support/real-path.ts';
import { studioStats, viewerStats } from '../support/studio-pages.ts';

test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: REAL_PATH_ARGS }, viewport: { width: 1280, height: 720 } });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

test('real-time latency through a shared tab stays bounded beside a CPU burner', async ({ page, context, baseURL }) => {
  test.setTimeout(150_000);
  const card = await context.newPage();
  await card.goto('/timecode.html');
  await expect(card).toHaveTitle(CARD_TITLE);

  await page.goto(`/studio#key=${E2E_KEY}`);
  await page.getByLabel('Screen, window or tab').check();
  await page.getByRole('button', { name: 'Go live' }).click();
  await expect(page.locator('[data-state="live"]')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText(/browser \d+×\d+/)).toBeVisible(); // a tab was shared, not a screen
  const href = (await page.getByRole('link', { name: /Watch/ }).getAttribute('href'))!;

  const viewer = await context.newPage();
  await viewer.goto(`${baseURL}${href}?mode=realtime`);
  await waitForSamples(viewer);
  const burner = cpuBurner(120_000);
  try {
    await viewer.waitForTimeout(2_000);
    const { samples } = await collect(viewer, 20);
    expect(samples.length, 'timecode reads in 20 s').toBeGreaterThan(100);
    const t0 = samples[0]!.atMs;
    const bySecond = new Map<number, number[]>();
    for (const s of samples) bySecond.set(Math.floor((s.atMs - t0) / 1000), [...(bySecond.get(Math.floor((s.atMs - t0) / 1000)) ?? []), s.latencyMs]);
    const seconds = [...bySecond.entries()].sort((a, b) => a[0] - b[0]);
    const medians = seconds.map(([, xs]) => Math.round(median(xs)));
    const twoSecondMedians = seconds.slice(1).map(([, xs], i) => Math.round(median([...seconds[i]![1], ...xs])));
    const during = (from: number, to: number) => samples.filter((s: Sample) => s.atMs - t0 >= from && s.atMs - t0 < to).map((s) => s.latencyMs);
    const first5 = median(during(0, 5_000));
    const last5 = median(during(15_000, 20_500));
    const detail = `per-second medians (ms): ${medians.join(' ')}; viewer ${JSON.stringify(await viewerStats(viewer))}; studio ${JSON.stringify(await studioStats(page))}`;
    expect(median(samples.map((x) => x.latencyMs)), `median latency over the run; ${detail}`).toBeLessThanOrEqual(1_000);
    expect(Math.max(...twoSecondMedians), `latency over 2.5 s for 2 s; ${detail}`).toBeLessThanOrEqual(2_500);
    expect(last5 - first5, `latency grew from ${first5} to ${last5} ms; ${detail}`).toBeLessThanOrEqual(300);
  } finally {
    burner.stop();
  }
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.locator('[data-state="idle"]')).toBeVisible({ timeout: 20_000 });
});
