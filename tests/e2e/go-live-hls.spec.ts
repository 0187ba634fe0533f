/**
 * The whole path in real Chromium: studio → WebCodecs worker → relay → FFmpeg → HLS → hls.js.
 */
import { expect, test } from '@playwright/test';
import { E2E_KEY } from '../../playwright.config.ts';

test('go live from /studio, watch it in hls.js, stop ends the playlist', async ({ page, context, baseURL }) => {
  await page.goto(`/studio#key=${E2E_KEY}`);
  await expect(page.getByRole('status')).toContainText('Idle');
  await page.getByRole('button', { name: 'Go live' }).click();
  await expect(page.getByRole('status')).toContainText('Live', { timeout: 20_000 });

  const watch = page.getByRole('link', { name: /Watch/ });
  await expect(watch).toBeVisible();
  const href = await watch.getAttribute('href');
  expect(href).toMatch(/^\/watch\/[A-Za-z0-9_-]+$/);
  const streamId = href!.split('/').pop()!;

  const streams = (await (await page.request.get('/api/streams')).json()) as { id: string; state: string; hlsUrl: string; watchUrl: string; startedAt: string }[];
  const listed = streams.find((s) => s.id === streamId);
  expect(listed).toMatchObject({ state: 'live', hlsUrl: `/hls/${streamId}/index.m3u8`, watchUrl: `/watch/${streamId}` });

  const viewer = await context.newPage();
  await viewer.goto(`${baseURL}${href}?mode=hls`); // real-time is the default; this test is about HLS
  await expect(viewer.getByRole('status').first()).toContainText('Live');
  const video = viewer.getByTestId('hls-video');
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 40_000 }).toBeGreaterThan(0.5);
  const t0 = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 30_000, intervals: [500] }).toBeGreaterThan(t0 + 5);

  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByRole('status')).toContainText('Idle', { timeout: 20_000 });
  const playlist = await (await page.request.get(`/hls/${streamId}/index.m3u8`)).text();
  expect(playlist).toContain('#EXT-X-ENDLIST');
  await expect(viewer.getByRole('status').first()).toContainText('ended', { timeout: 10_000 });
  const after = (await (await page.request.get(`/api/streams/${streamId}`)).json()) as { state: string };
  expect(after.state).toBe('ended');
});

test('a wrong stream key is refused with a clear message', async ({ page }) => {
  await page.goto('/studio#key=definitely-not-a-valid-key');
  await page.getByRole('button', { name: 'Go live' }).click();
  await expect(page.getByRole('status')).toContainText(/Error: .*stream key/i, { timeout: 20_000 });
  await expect(page.getByRole('button', { name: 'Go live' })).toBeVisible();
});
