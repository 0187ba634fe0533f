/**
 * Restreaming from the studio: add a custom RTMP destination (a real nginx-rtmp on loopback), go
 * live, see it live with its bitrate, turn it off while live, and find the broadcast recorded.
 */
import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { E2E_KEY } from '../../playwright.config.ts';
import { startRtmpServer } from '../../apps/relay/test/support/nginx-rtmp.ts';
import { freePort } from '../../apps/relay/test/support/relay-child.ts';

test('add an RTMP destination in the studio, go live to it, turn it off while live', async ({ page }) => {
  const server = await startRtmpServer(await freePort());
  try {
    await page.goto(`/studio#key=${E2E_KEY}`);
    await page.evaluate(() => localStorage.removeItem('tabcast.destinations'));
    await page.reload();
    await page.getByLabel('Service').selectOption('custom');
    await page.getByLabel('Server URL').fill(server.url);
    await page.getByLabel('Stream key', { exact: true }).last().fill('e2e-dest-key');
    await page.getByRole('button', { name: 'Add destination' }).click();
    const dest = page.getByTestId('destination');
    await expect(dest).toHaveCount(1);
    await expect(dest).toContainText('Ready');
    await expect(dest).toContainText('…-key (this browser only)');

    await page.getByLabel('Test pattern (with timecode)').check();
    await page.getByRole('button', { name: 'Go live' }).click();
    await expect(page.getByRole('status').first()).toContainText('Live', { timeout: 20_000 });
    await expect(dest).toHaveAttribute('data-state', 'live', { timeout: 20_000 });
    await expect(dest).toContainText(/Live · \d+\.\d\d Mbps · \d\d:\d\d/);

    await page.waitForTimeout(3000);
    await dest.getByRole('checkbox').uncheck();
    await expect(dest).toContainText('Off');
    await expect.poll(() => server.recordings().length, { timeout: 10_000 }).toBe(1);
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect(page.getByRole('status').first()).toContainText('Idle', { timeout: 20_000 });

    const rec = server.recordings()[0]!;
    const codecs = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', rec], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(codecs).toEqual(['aac', 'h264']);
  } finally {
    await server.stop();
  }
});
