/**
 * Recordings in the studio and on the watch page, in real Chromium: a short broadcast from the
 * test pattern is recorded; the studio's Recordings list shows it ready; /watch/<id> of the ended
 * broadcast plays it as VOD and seeks; Delete removes it. The studio's own copy (mediabunny, in the
 * browser) is offered for saving and is a playable MP4.
 */
import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { E2E_KEY } from '../../playwright.config.ts';

test('a broadcast shows up under Recordings, plays as VOD with seeking, and can be deleted', async ({ page, context }) => {
  test.setTimeout(120_000);
  await page.goto(`/studio#key=${E2E_KEY}`);
  await page.getByLabel('Test pattern (with timecode)').check();
  await expect(page.getByLabel('Record this broadcast on the relay')).toBeChecked();
  await page.getByLabel('Also keep a copy in this browser').check();
  await page.getByRole('button', { name: 'Go live' }).click();
  await expect(page.locator('[data-state="live"]')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('recording-state')).toContainText('Recording on the relay', { timeout: 10_000 });
  const href = (await page.getByRole('link', { name: /Watch the stream/ }).getAttribute('href'))!;
  const id = href.split('/').pop()!;
  await page.waitForTimeout(6_000);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.locator('[data-state="idle"]')).toBeVisible({ timeout: 20_000 });

  // The local copy: an MP4 with both tracks, as long as the broadcast.
  // Read through the page (the link is a blob: URL of this page).
  const blobUrl = (await page.getByTestId('local-copy').getAttribute('href'))!;
  const base64 = await page.evaluate(async (u) => {
    const bytes = new Uint8Array(await (await fetch(u)).arrayBuffer());
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  }, blobUrl);
  const local = test.info().outputPath('local-copy.mp4');
  fs.writeFileSync(local, Buffer.from(base64, 'base64'));
  const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name:format=duration', '-of', 'json', local], { encoding: 'utf8' })) as { streams: { codec_type: string; codec_name: string }[]; format: { duration: string } };
  expect(probe.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual(['audio:opus', 'video:h264']);
  expect(Number(probe.format.duration)).toBeGreaterThan(4);

  const row = page.locator(`[data-recording="${id}"]`);
  await expect(row).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(row.getByRole('link', { name: 'Download' })).toHaveAttribute('href', /\/api\/recordings\/.+\/file\?t=/);

  // The watch page of the ended broadcast plays the recording, and seeks in it.
  const viewer = await context.newPage();
  await viewer.goto(href);
  const video = viewer.getByTestId('vod');
  await expect(video).toBeVisible({ timeout: 20_000 });
  await expect(viewer.getByRole('status')).toContainText('playing its recording');
  const duration = await video.evaluate((v: HTMLVideoElement) => new Promise<number>((resolve) => (v.readyState >= 1 ? resolve(v.duration) : v.addEventListener('loadedmetadata', () => resolve(v.duration), { once: true }))));
  expect(duration).toBeGreaterThan(4);
  const seeked = await video.evaluate(
    (v: HTMLVideoElement, to: number) =>
      new Promise<number>((resolve) => {
        v.addEventListener('seeked', () => resolve(v.currentTime), { once: true });
        v.currentTime = to;
      }),
    duration - 2,
  );
  expect(Math.abs(seeked - (duration - 2))).toBeLessThan(0.5);
  await viewer.close();

  // Delete (after the confirmation) removes it from the list and from the relay.
  page.once('dialog', (d) => void d.accept());
  await row.getByRole('button', { name: 'Delete' }).click();
  await expect(row).toHaveCount(0, { timeout: 10_000 });
  expect((await page.request.get(`/vod/${id}.mp4`)).status()).toBe(404);
});
