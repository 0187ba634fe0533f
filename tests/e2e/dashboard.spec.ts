/**
 * The operator dashboard in real Chromium, against the real relay with a real studio live:
 * charts render and their points grow, a line the relay logs appears within 2 s, and over 30 s
 * after the first load the page makes no HTTP request at all — only its one WebSocket and its one
 * EventSource, both opened while loading (seed 002's check).
 */
import { expect, test, type Request } from '@playwright/test';
import { E2E_KEY } from '../../playwright.config.ts';

const points = async (page: import('@playwright/test').Page, id: string) => Number(await page.getByTestId(`chart-${id}`).getAttribute('data-points'));

test('the dashboard charts live figures pushed over one WebSocket, tails the log, and never polls', async ({ page, context, baseURL }) => {
  test.setTimeout(150_000);
  // A real broadcast from the studio (it also sends its stats once a second).
  const studio = await context.newPage();
  await studio.goto(`/studio#key=${E2E_KEY}`);
  await studio.getByLabel('Test pattern (with timecode)').check();
  await studio.getByRole('button', { name: 'Go live' }).click();
  await expect(studio.getByRole('status').first()).toContainText('Live', { timeout: 20_000 });

  const requests: Request[] = [];
  const sockets: string[] = [];
  page.on('request', (r) => requests.push(r));
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await page.goto(`${baseURL}/dashboard`);
  // Loaded: the first snapshot is shown and the log stream has delivered its recent lines.
  await expect(page.getByTestId('health')).toBeVisible({ timeout: 10_000 });
  await expect(page.getByTestId('log').locator('li').first()).toBeVisible({ timeout: 10_000 });

  // The stream is listed with the studio's target fps (its stats reached the relay).
  const row = page.getByTestId('stream-row').first();
  await expect(row).toBeVisible({ timeout: 10_000 });
  await expect(row).toContainText('/ 30', { timeout: 10_000 });

  // Charts render on canvas, and their data points grow with each push.
  for (const id of ['bitrate', 'fps', 'viewers', 'drops', 'cpu', 'memory']) {
    await expect(page.getByTestId(`chart-${id}`).locator('canvas').first()).toBeVisible();
  }
  const loadedAt = Date.now();
  const before = requests.length;
  const startPoints = await points(page, 'bitrate');

  // A line the relay writes (a refused publisher, from another page) shows up within 2 s.
  const refusedLines = () => page.getByTestId('log').locator('li', { hasText: 'publisher refused' }).count();
  const seenBefore = await refusedLines();
  await studio.evaluate(() => {
    const ws = new WebSocket(`${location.origin.replace('http', 'ws')}/ws/publish`);
    ws.onopen = () => ws.send('not msgpack');
  });
  const triggeredAt = Date.now();
  await expect.poll(refusedLines, { timeout: 2_000, intervals: [50] }).toBeGreaterThan(seenBefore);
  expect(Date.now() - triggeredAt).toBeLessThan(2_000);

  // 30 s after the first load: no HTTP request from the page, the points kept growing.
  await page.waitForTimeout(30_000 - (Date.now() - loadedAt));
  const after = requests.slice(before);
  expect(after.map((r) => `${r.method()} ${r.url()}`), 'HTTP requests after the first load').toEqual([]);
  expect(sockets.filter((u) => u.includes('/ws/dashboard'))).toHaveLength(1);
  expect(sockets).toHaveLength(1);
  expect(requests.filter((r) => r.resourceType() === 'eventsource')).toHaveLength(1);
  const endPoints = await points(page, 'bitrate');
  expect(endPoints, 'about one point per 2 s push').toBeGreaterThanOrEqual(startPoints + 12);
  expect(await points(page, 'cpu')).toBe(endPoints);

  await studio.getByRole('button', { name: /Stop/ }).click();
});
