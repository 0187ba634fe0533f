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

export async function startRelay(overrides: Partial<RelayConfig> = {}): Promise<Harness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-relay-'));
  const config = resolveConfig({ port: 0, host: '127.0.0.1', dataDir, ...overrides }, {});
  const logs: string[] = [];
  const log = createLogger(process.env.TABCAST_TEST_LOG ? 'debug' : 'info', {}, (line) => {
    logs.push(line);
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
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
