/**
 * Key management: `npm run keys -- create [label]`, `npm run keys -- list`, `npm run keys -- revoke <id>`.
 * Works while the relay runs: the relay re-reads the key file when it changes.
 */
import { resolveConfig } from './config/config.ts';
import { KeyStore } from './keys/key-store.ts';

const USAGE = 'usage: npm run keys -- create [label] | npm run keys -- list | npm run keys -- revoke <id>';

async function main(argv: string[]): Promise<number> {
  const config = resolveConfig();
  const store = new KeyStore(config.dataDir);
  const [cmd, arg] = argv;
  switch (cmd) {
    case 'create': {
      const { id, key } = await store.create(arg ?? 'cli');
      console.log(`created key ${id}`);
      console.log(`stream key: ${key}`);
      console.log(`studio:     ${config.publicUrl}/studio#key=${encodeURIComponent(key)}`);
      console.log('The key is shown only now; it is stored hashed.');
      return 0;
    }
    case 'list': {
      const keys = store.list();
      if (!keys.length) console.log('no keys');
      for (const k of keys) console.log(`${k.id}  ${k.revokedAt ? 'revoked ' + k.revokedAt : 'active '}  ${k.createdAt}  ${k.label}`);
      return 0;
    }
    case 'revoke': {
      if (!arg) break;
      if (!store.revoke(arg)) {
        console.error(`no key with id ${arg} (see: npm run keys -- list)`);
        return 1;
      }
      console.log(`revoked key ${arg}`);
      return 0;
    }
  }
  console.error(USAGE);
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
