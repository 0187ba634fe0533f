/**
 * The test-pattern source with no audio at all (silence must still flow, or the relay's muxer
 * stalls) plays in the viewer, and the timecode read back gives a glass-to-glass latency within a
 * generous regression bound (the real figures are in docs/performance.md).
 */
import { expect, test } from '@playwright/test';
import { E2E_KEY } from '../../playwright.config.ts';

test('test pattern without audio reaches the viewer; timecode latency is read back', async ({ page, context, baseURL }) => {
  await page.goto(`/studio#key=${E2E_KEY}`);
  await page.getByLabel('Test pattern (with timecode)').check();
  await page.getByLabel('Tab or system audio').uncheck();
  await page.getByRole('button', { name: 'Go live' }).click();
  await expect(page.getByRole('status')).toContainText('Live', { timeout: 20_000 });
  await expect(page.getByText('no audio (silence sent)')).toBeVisible();
  const href = (await page.getByRole('link', { name: /Watch/ }).getAttribute('href'))!;

  const viewer = await context.newPage();
  await viewer.goto(`${baseURL}${href}`);
  const latency = viewer.getByTestId('latency-ms');
  await expect(latency).toBeVisible({ timeout: 40_000 });
  const ms = Number(await latency.textContent());
  expect(ms).toBeGreaterThan(0);
  expect(ms).toBeLessThan(15_000); // regression bound, not the target

  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByRole('status')).toContainText('Idle', { timeout: 20_000 });
});

test('the viewer page says offline for a stream that does not exist', async ({ page }) => {
  await page.goto('/watch/doesNotExist1');
  await expect(page.getByRole('status').first()).toContainText('Offline');
});

test('the studio asks for a key before going live', async ({ page }) => {
  await page.goto('/studio');
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.getByRole('button', { name: 'Go live' }).click();
  await expect(page.getByRole('status')).toContainText('Enter your stream key');
});

test('a viewer never downloads the studio, the encoder or hls.js before it plays', async ({ page }) => {
  const scripts: string[] = [];
  page.on('request', (r) => r.resourceType() === 'script' && scripts.push(new URL(r.url()).pathname));
  await page.goto('/watch/doesNotExist1');
  await expect(page.getByRole('status').first()).toContainText('Offline');
  expect(scripts.some((s) => /Studio|encoder/.test(s))).toBe(false);
  expect(scripts.some((s) => /hls/.test(s))).toBe(false);
});
