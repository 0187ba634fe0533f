/** Starts a real relay on a loopback port with a throwaway data folder, for tests and benches. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig, type RelayConfig } from '../../src/config/config.ts';
import { createRelay, type Relay } from '../../src/server.ts';
import { createLogger } from '../../src/util/logger.ts';

export const TEST_KEY = 'test-stream-key-0123456789';

export interface Harness extends Relay {
  config: RelayConfig;
  logs: string[];
  stop(): Promise<void>;
}

/** Starts a relay; pass `dataDir` to reuse one (it is then kept on stop, for a restart). */
export async function startRelay(overrides: Partial<RelayConfig> = {}): Promise<Harness> {
  const keepDir = overrides.dataDir !== undefined;
  const dataDir = overrides.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-relay-'));
  // Tests send fixtures faster than real time: lift the per-publisher rate limits unless a test sets them.
  const config = resolveConfig({ port: 0, host: '127.0.0.1', dataDir, maxBitrate: 1e9, maxFrameRate: 1000, ...overrides }, {});
  const logs: string[] = [];
  const log = createLogger(process.env.TABCAST_TEST_LOG ? 'debug' : 'info', {}, (line) => {
    logs.push(line);
    if (logs.length > 5000) logs.splice(0, logs.length - 5000); // tests look at recent lines only
    if (process.env.TABCAST_TEST_LOG) process.stderr.write(line + '\n');
  });
  const relay = await createRelay(config, log);
  await relay.keys.ensure(TEST_KEY, 'test');
  return {
    ...relay,
    config,
    logs,
    stop: async () => {
      await relay.close();
      if (!keepDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
