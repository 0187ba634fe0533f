/**
 * Reconnect and resume from the studio's side, against a relay this test runs itself so it can
 * kill and restart it: the studio shows "Reconnecting (attempt n …)", resumes the same stream id,
 * and the viewer's playlist goes on; with the relay gone for good it gives up and says why.
 */
import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startRelayChild, type RelayChild } from '../../apps/relay/test/support/relay-child.ts';

const KEY = 'reconnect-e2e-key-0123456789';

test('the studio resumes the same stream after the relay is killed and restarted', async ({ page }) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-e2e-restart-'));
  const port = await freePort();
  let relay: RelayChild | null = await startRelayChild({ TABCAST_STREAM_KEY: KEY }, dataDir, port);
  try {
    await page.goto(`${relay.url}/studio#key=${KEY}`);
    await page.getByLabel('Test pattern (with timecode)').check();
    await page.getByRole('button', { name: 'Go live' }).click();
    await expect(page.getByRole('status')).toContainText('Live', { timeout: 20_000 });
    const href = (await page.getByRole('link', { name: /Watch/ }).getAttribute('href'))!;
    const playlistFile = path.join(dataDir, 'hls', href.split('/').pop()!, 'index.m3u8');
    await expect.poll(() => fs.existsSync(playlistFile), { timeout: 15_000 }).toBe(true);

    relay.child.kill('SIGKILL'); // a crash: no drain, no goodbye
    await expect(page.getByRole('status')).toContainText(/Reconnecting \(attempt \d of 10\)/, { timeout: 10_000 });
    relay = await startRelayChild({ TABCAST_STREAM_KEY: KEY }, dataDir, port);
    await expect(page.getByRole('status')).toContainText('Live', { timeout: 20_000 });
    await expect(page.getByRole('link', { name: /Watch/ })).toHaveAttribute('href', href);
    // The playlist continues behind a discontinuity.
    await expect.poll(() => /^#EXT-X-DISCONTINUITY$/m.test(fs.readFileSync(playlistFile, 'utf8')), { timeout: 15_000 }).toBe(true);

    await page.getByRole('button', { name: 'Stop' }).click();
    await expect(page.getByRole('status')).toContainText('Idle', { timeout: 20_000 });
    expect(fs.readFileSync(playlistFile, 'utf8')).toContain('#EXT-X-ENDLIST');
  } finally {
    await relay?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('with the relay gone for good the studio gives up after its attempts and says why', async ({ page }) => {
  const port = await freePort();
  // The studio keeps trying as long as the relay's grace (from welcome): short here, so a third
  // attempt may still go out after the two set below.
  const relay = await startRelayChild({ TABCAST_STREAM_KEY: KEY, TABCAST_RECONNECT_GRACE_MS: '1000' }, undefined, port);
  try {
    await page.goto(`${relay.url}/studio#key=${KEY}`);
    await page.getByText('Connection').click();
    await page.getByLabel('Reconnect attempts').fill('2');
    await page.getByLabel('Delay between attempts (ms)').fill('500');
    await page.getByLabel('Test pattern (with timecode)').check();
    await page.getByRole('button', { name: 'Go live' }).click();
    await expect(page.getByRole('status')).toContainText('Live', { timeout: 20_000 });
    relay.child.kill('SIGKILL');
    await expect(page.getByRole('status')).toContainText(/Error: Lost the connection to the relay and [23] reconnect attempts over \d+ s failed/, { timeout: 15_000 });
    await expect(page.getByRole('button', { name: 'Go live' })).toBeVisible();
  } finally {
    await relay.stop();
  }
});
