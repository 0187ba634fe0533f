import { defineConfig } from '@playwright/test';
import os from 'node:os';
import path from 'node:path';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './tests/chromium.ts';

/** Port and key of the relay the end-to-end tests start (loopback only). */
export const E2E_PORT = Number(process.env.TABCAST_E2E_PORT ?? 18_080);
export const E2E_KEY = 'e2e-stream-key-0123456789';
const dataDir = path.join(os.tmpdir(), `tabcast-e2e-${process.pid}`);


export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 120_000,
  fullyParallel: false,
  workers: 1,
  // One retry, and the trace recorded only then: recording screenshots on every run cost the
  // studio a third of its frame rate on 2 cores (a flaky pass is still reported as flaky).
  retries: Number(process.env.TABCAST_E2E_RETRIES ?? 1),
  // test-results/ is scripts/test.mjs' folder; Playwright's own artefacts go beside it.
  outputDir: 'test-results/e2e-artifacts',
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    trace: 'on-first-retry',
    screenshot: 'off',
    video: 'off',
    // Debian's Chromium by default; PLAYWRIGHT_CHROMIUM_PATH points at another build (e.g. Playwright's own).
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
  },
  webServer: {
    command: 'node --import tsx apps/relay/src/main.ts',
    url: `http://127.0.0.1:${E2E_PORT}/api/live`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    env: {
      PORT: String(E2E_PORT),
      HOST: '127.0.0.1',
      TABCAST_DATA_DIR: dataDir,
      TABCAST_STREAM_KEY: E2E_KEY,
      TABCAST_PUBLIC_URL: `http://127.0.0.1:${E2E_PORT}`,
    },
  },
});
