/**
 * The studio's scenes on the path users take: a shared tab (the timecode card) with Chromium's
 * fake camera (green) as a picture-in-picture, read back from the real-time viewer's pixels.
 * Switching scenes and pressing "Stop sharing" keep the same stream id, with no reconnect and no
 * long stall at the viewer: at most 500 ms without a new picture, or, on a machine so busy that
 * the viewer already stalls longer with no switch at all (in a window as long as the switches',
 * before or after them), at most twice that (measured on a 2-core machine at load 15: 1.6 s
 * without a switch, 2.3 s across two).
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { E2E_KEY } from '../../playwright.config.ts';
import { CHROMIUM_PATH } from '../chromium.ts';
import { holds } from '../support/holds.ts';
import { isGreen, regionColour, watchStalls } from '../support/canvas-probe.ts';
import { CARD_TITLE, REAL_PATH_ARGS, waitForSamples } from '../support/real-path.ts';
import { studioStats, viewerStats } from '../support/studio-pages.ts';

test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: REAL_PATH_ARGS }, viewport: { width: 1280, height: 720 } });

/** The real-time canvas (or, should the player fall back to HLS on a starved machine, its video). */
const VIEWER = '[data-testid="rt-canvas"], video';
/** Inside the bottom-right picture-in-picture (28 % wide, 4 % margin) and well inside the screen area. */
const PIP_REGION = { x: 0.78, y: 0.8, w: 0.14, h: 0.12 };
const CENTRE = { x: 0.3, y: 0.3, w: 0.4, h: 0.4 };

async function goLiveSharingCard(page: Page, context: BrowserContext): Promise<{ href: string; card: Page }> {
  await context.grantPermissions(['camera', 'microphone']);
  const card = await context.newPage();
  await card.goto('/timecode.html');
  await expect(card).toHaveTitle(CARD_TITLE);
  await page.goto(`/studio#key=${E2E_KEY}`);
  await page.getByLabel('Screen, window or tab').check();
  await page.getByRole('button', { name: 'Camera' }).click();
  await expect(page.getByRole('button', { name: 'Camera' })).toHaveAttribute('aria-pressed', 'true', { timeout: 15_000 });
  const layout = page.getByRole('group', { name: 'Layout' });
  await expect(layout.getByRole('radio', { name: 'Screen + camera' })).toBeChecked();
  await page.getByLabel('Camera corner').selectOption('bottom-right');
  await page.getByRole('button', { name: 'Go live' }).click();
  await expect(page.locator('[data-state="live"]')).toBeVisible({ timeout: 30_000 });
  return { href: (await page.getByRole('link', { name: /Watch/ }).getAttribute('href'))!, card };
}

test('screen + camera: the camera in its corner, the timecode readable; camera only is green; one stream, no stall', async ({ page, context, baseURL }) => {
  // About 35 s on an idle 2-core machine; the bound is for one where three test suites run at once.
  test.setTimeout(120_000);
  const { href } = await goLiveSharingCard(page, context);
  const streamId = href.split('/').pop();
  const viewer = await context.newPage();
  await viewer.goto(`${baseURL}${href}?mode=realtime`);
  await waitForSamples(viewer, 30_000); // the card's timecode is read from the composited frame

  await holds('the PiP corner is green and the centre is not', async () => ({ pip: await regionColour(viewer, VIEWER, PIP_REGION), centre: await regionColour(viewer, VIEWER, CENTRE) }), (v) => isGreen(v.pip) && !isGreen(v.centre), { forMs: 1_500, timeoutMs: 20_000 });

  // The viewer's longest stall with no switch, over about as long as the switches take: on a
  // starved machine the picture stalls now and then anyway, and the switch must not add to it.
  const stalls = await watchStalls(viewer, VIEWER);
  await viewer.waitForTimeout(6_000);
  const baseline = await stalls();
  const before = await studioStats(page);
  const viewerBefore = await viewerStats(viewer);
  const switchStart = Date.now();
  await page.getByRole('group', { name: 'Layout' }).getByRole('radio', { name: 'Camera only' }).check();
  await holds('the whole frame is green', () => regionColour(viewer, VIEWER, CENTRE), isGreen, { forMs: 1_500, timeoutMs: 20_000 });
  await page.getByRole('group', { name: 'Layout' }).getByRole('radio', { name: 'Screen + camera' }).check();
  await holds('back to the screen with the camera in its corner', async () => ({ pip: await regionColour(viewer, VIEWER, PIP_REGION), centre: await regionColour(viewer, VIEWER, CENTRE) }), (v) => isGreen(v.pip) && !isGreen(v.centre), { forMs: 1_000, timeoutMs: 20_000 });
  const { longestStallMs, changes } = await stalls();
  // A second window without a switch, as long as the switches took: a starved viewer's resync
  // (waiting for the next keyframe) is as likely in it as in theirs.
  await viewer.waitForTimeout(Date.now() - switchStart);
  const settled = await stalls();
  const baselineMs = Math.max(baseline.longestStallMs, settled.longestStallMs);
  const detail = `switches: ${longestStallMs} ms, ${changes} changes; without a switch: ${baseline.longestStallMs} ms (${baseline.changes} changes) before, ${settled.longestStallMs} ms (${settled.changes} changes) after; viewer before ${JSON.stringify(viewerBefore)} after ${JSON.stringify(await viewerStats(viewer))}; studio ${JSON.stringify(await studioStats(page))}`;
  expect(changes, `the viewer picture kept changing; ${detail}`).toBeGreaterThan(20);
  expect(longestStallMs, `longest time the viewer picture did not change across two scene switches; ${detail}`).toBeLessThanOrEqual(Math.max(500, 2 * baselineMs));

  // Same broadcast throughout: same stream id, no reconnect, frames kept flowing.
  await expect(page.getByRole('link', { name: /Watch/ })).toHaveAttribute('href', new RegExp(`${streamId}$`));
  await expect(page.locator('[data-state="live"]')).toBeVisible();
  const after = await studioStats(page);
  expect(after!.framesEncoded).toBeGreaterThan(before!.framesEncoded);

  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.locator('[data-state="idle"]')).toBeVisible({ timeout: 20_000 });
});

test('"Stop sharing" keeps the broadcast live in the fallback scene, and "Share again" brings the screen back', async ({ page, context, baseURL }) => {
  test.setTimeout(120_000);
  const { href, card } = await goLiveSharingCard(page, context);
  const viewer = await context.newPage();
  await viewer.goto(`${baseURL}${href}?mode=realtime`);
  await waitForSamples(viewer, 30_000);
  const stalls = await watchStalls(viewer, VIEWER);
  await viewer.waitForTimeout(6_000);
  const baseline = await stalls();
  const stopStart = Date.now();

  // The shared tab goes away: the display track ends, as with the browser's own "Stop sharing"
  // (a script's track.stop() would not fire 'ended').
  await card.close();
  await expect(page.getByRole('group', { name: 'Layout' }).getByRole('radio', { name: 'Camera only' })).toBeChecked({ timeout: 10_000 });
  await expect(page.getByRole('button', { name: 'Share again' })).toBeVisible();
  await holds('the viewer shows the camera', () => regionColour(viewer, VIEWER, CENTRE), isGreen, { forMs: 1_500, timeoutMs: 20_000 });
  await expect(page.locator('[data-state="live"]')).toBeVisible();

  const again = await context.newPage();
  await again.goto('/timecode.html');
  await expect(again).toHaveTitle(CARD_TITLE);
  await page.getByRole('button', { name: 'Share again' }).click();
  await expect(page.getByRole('group', { name: 'Layout' }).getByRole('radio', { name: 'Screen + camera' })).toBeChecked({ timeout: 15_000 });
  await holds('the screen is back, the camera in its corner', async () => ({ pip: await regionColour(viewer, VIEWER, PIP_REGION), centre: await regionColour(viewer, VIEWER, CENTRE) }), (v) => isGreen(v.pip) && !isGreen(v.centre), { forMs: 1_000, timeoutMs: 20_000 });
  const { longestStallMs } = await stalls();
  // As in the scene switches: a second window with nothing happening, as long as this one.
  await viewer.waitForTimeout(Date.now() - stopStart);
  const settled = await stalls();
  const baselineMs = Math.max(baseline.longestStallMs, settled.longestStallMs);
  expect(longestStallMs, `longest viewer stall from "Stop sharing" to "Share again" (${baseline.longestStallMs} ms before and ${settled.longestStallMs} ms after with nothing happening)`).toBeLessThanOrEqual(Math.max(500, 2 * baselineMs));
  await expect(page.getByRole('link', { name: /Watch/ })).toHaveAttribute('href', href);

  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.locator('[data-state="idle"]')).toBeVisible({ timeout: 20_000 });
});

/** The meter's peak over `ms`, sampled every 50 ms (a beep lasts 100 ms; the meter shows 100 ms windows). */
async function loudestOver(page: Page, name: string, ms: number): Promise<number> {
  return page.evaluate(
    async ({ name, ms }) => {
      let max = -Infinity;
      const end = performance.now() + ms;
      while (performance.now() < end) {
        const meter = Array.from(document.querySelectorAll('[role="meter"]')).find((m) => m.getAttribute('aria-label') === name);
        if (meter) max = Math.max(max, Number(meter.getAttribute('aria-valuenow')));
        await new Promise((r) => setTimeout(r, 50));
      }
      return max;
    },
    { name, ms },
  );
}

test('meters move for the test pattern beep and the fake microphone, and sit at the floor when muted', async ({ page, context }) => {
  test.setTimeout(60_000);
  await context.grantPermissions(['camera', 'microphone']);
  await page.goto(`/studio#key=${E2E_KEY}`);
  await page.getByLabel('Test pattern (with timecode)').check();
  await page.getByLabel('Microphone', { exact: true }).check();
  await page.getByRole('button', { name: 'Go live' }).click();
  await expect(page.locator('[data-state="live"]')).toBeVisible({ timeout: 30_000 });
  for (const name of ['Test pattern beep', 'Microphone', 'Master']) await expect(page.getByRole('meter', { name, exact: true })).toBeVisible();

  // The beep is −6 dBFS for 100 ms each second; Chromium's fake microphone beeps too.
  expect(await loudestOver(page, 'Test pattern beep', 3_000), 'beep meter peak (dBFS)').toBeGreaterThan(-30);
  expect(await loudestOver(page, 'Microphone', 4_000), 'microphone meter peak (dBFS)').toBeGreaterThan(-50);
  expect(await loudestOver(page, 'Master', 3_000), 'master meter peak (dBFS)').toBeGreaterThan(-30);

  await page.getByRole('button', { name: 'Mute Test pattern beep' }).click();
  await page.getByRole('button', { name: 'Mute Microphone' }).click();
  await page.waitForTimeout(500); // the gain ramps down over ~50 ms; the meter shows 100 ms windows
  expect(await loudestOver(page, 'Test pattern beep', 3_000), 'muted beep').toBe(-60);
  expect(await loudestOver(page, 'Microphone', 3_000), 'muted microphone').toBe(-60);
  expect(await loudestOver(page, 'Master', 3_000), 'master with everything muted').toBe(-60);
  // Muting is not stopping: the broadcast's audio track keeps flowing (silence), so it stays live.
  await expect(page.locator('[data-state="live"]')).toBeVisible();

  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.locator('[data-state="idle"]')).toBeVisible({ timeout: 20_000 });
});
