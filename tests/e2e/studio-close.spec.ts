/**
 * The studio's tab closing while live ends the broadcast at once (the worker sends `stop` on
 * pagehide): the stream reports ended within 3 s instead of waiting out the relay's 15 s reconnect
 * grace. On the way, "List this broadcast publicly" (remembered) puts the stream in the public
 * listing, fetched as a non-admin (a proxied request never counts as the loopback operator).
 */
import { expect, test } from '@playwright/test';
import { E2E_KEY } from '../../playwright.config.ts';

/** A request through a proxy is not the operator's: /api/streams shows it the public listing only. */
const PUBLIC = { headers: { 'X-Forwarded-For': '203.0.113.7' } };

test('a listed broadcast is public; closing the studio tab ends it within 3 s', async ({ context }) => {
  const page = await context.newPage();
  await page.goto(`/studio#key=${E2E_KEY}`);
  await page.getByLabel('Test pattern (with timecode)').check();
  const listedBox = page.getByLabel('List this broadcast publicly');
  await expect(listedBox).not.toBeChecked(); // unlisted by default
  await listedBox.check();
  await page.getByRole('button', { name: 'Go live' }).click();
  await expect(page.getByRole('status')).toContainText('Live', { timeout: 20_000 });
  const streamId = (await page.getByRole('link', { name: /Watch/ }).getAttribute('href'))!.split('/').pop()!;

  const publicList = (await (await page.request.get('/api/streams', PUBLIC)).json()) as { id: string; state: string }[];
  expect(publicList.find((s) => s.id === streamId)).toMatchObject({ state: 'live' });

  // The choice is remembered for the next broadcast.
  const again = await context.newPage();
  await again.goto('/studio');
  await expect(again.getByLabel('List this broadcast publicly')).toBeChecked();
  await again.getByLabel('List this broadcast publicly').uncheck(); // leave the default for other tests
  await again.close();

  // A stream that ends before its first playlist is forgotten at once (404): wait for the playlist,
  // so that the stream stays and reports `ended`.
  await expect.poll(async () => (await context.request.get(`/hls/${streamId}/index.m3u8`)).status(), { timeout: 20_000 }).toBe(200);
  expect(((await (await context.request.get(`/api/streams/${streamId}`)).json()) as { state: string }).state).toBe('live');
  const closedAt = Date.now();
  await page.close({ runBeforeUnload: false });
  const request = context.request;
  await expect
    .poll(
      async () => {
        const r = await request.get(`/api/streams/${streamId}`);
        const j = (await r.json()) as { state?: string; error?: string };
        return j.state ?? `${r.status()} ${JSON.stringify(j)}`;
      },
      { timeout: 3_000, intervals: [100] },
    )
    .toBe('ended');
  console.log(`stream ended ${Date.now() - closedAt} ms after the studio tab closed`);
});
