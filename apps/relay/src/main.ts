/** Starts the relay on its configured port, seeds/creates a stream key, and drains on SIGTERM. */
import { ConfigError, resolveConfig } from './config/config.ts';
import { createRelay } from './server.ts';
import { createLogger } from './util/logger.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = resolveConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`tabcast: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const relay = await createRelay(config, log).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') console.error(`tabcast: port ${config.port} is in use; set PORT to another port`);
    else console.error(`tabcast: could not start: ${err.message}`);
    process.exit(1);
  });

  console.log(`Tabcast relay listening on ${config.publicUrl} (bound ${config.host}:${config.port})`);
  if (relay.keys.activeCount() === 0) {
    const { key } = await relay.keys.create('first start');
    console.log('No stream keys yet: created one. Open this link to go live (the key is in the #fragment, never sent to a server):');
    console.log(`  ${config.publicUrl}/studio#key=${encodeURIComponent(key)}`);
    console.log('This key is shown only now. Manage keys with: npm run keys -- create | list | revoke <id>');
  } else {
    console.log(`Studio: ${config.publicUrl}/studio  (paste your stream key, or: npm run keys -- create)`);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn('second signal: killing FFmpeg processes and exiting now');
      relay.registry.killAll();
      process.exit(1);
    }
    stopping = true;
    log.info('draining: ending live streams', { signal, live: relay.registry.live().length });
    void relay.close().then(() => {
      log.info('stopped cleanly');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

await main();
