/**
 * Seals access key secrets for the store: AES-256-GCM under a 32-byte key kept in its own
 * file in the data dir (`access-keys.key`), never in the database. Why not a hash: SigV4 is
 * an HMAC keyed by (a derivation of) the secret, so verifying a signature needs the secret
 * itself; a one-way hash would make every signature unverifiable. Encryption with a key
 * outside the database means that a copy of `auth.db` (a backup, a leaked file) reveals no
 * secret without the key file, and GCM's tag refuses a sealed value that was altered or
 * moved to another key id (the key id is the additional authenticated data).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Encrypts and decrypts secrets under one key. */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the secret box needs a 32-byte key');
  }

  /** `secret` sealed, bound to `accessKeyId`: base64 of nonce, tag and ciphertext. */
  seal(accessKeyId: string, secret: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(accessKeyId));
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64');
  }

  /** The secret, or undefined when the value was not sealed by this key for this key id. */
  open(accessKeyId: string, sealed: string): string | undefined {
    const raw = Buffer.from(sealed, 'base64');
    if (raw.length < NONCE_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, NONCE_BYTES));
      decipher.setAAD(Buffer.from(accessKeyId));
      decipher.setAuthTag(raw.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
