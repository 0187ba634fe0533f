/**
 * Encrypts secrets at rest (destination stream keys) with AES-256-GCM. The key comes from
 * TABCAST_SECRET (32 bytes, base64 or hex) or, failing that, `<dataDir>/secret.key`, made on
 * first use with mode 0600. Losing that file makes stored destination keys unreadable (re-enter them).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export class SecretBox {
  private constructor(private key: Buffer) {}

  static open(dataDir: string, envSecret: string | null): SecretBox {
    if (envSecret) {
      const key = /^[0-9a-f]{64}$/i.test(envSecret) ? Buffer.from(envSecret, 'hex') : Buffer.from(envSecret, 'base64');
      if (key.length !== 32) throw new Error('TABCAST_SECRET must be 32 bytes, as 64 hex characters or base64');
      return new SecretBox(key);
    }
    const file = path.join(dataDir, 'secret.key');
    if (!fs.existsSync(file)) {
      fs.mkdirSync(dataDir, { recursive: true });
      fs.writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    }
    const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} is not a 32-byte key`);
    return new SecretBox(key);
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64')).join('.');
  }

  /** Throws if the data was not sealed with this key (or was altered). */
  open(sealed: string): string {
    const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64'));
    if (!iv || !tag || !body) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  }
}
