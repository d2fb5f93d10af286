/**
 * The server's key for functions' temporary credentials (core/function-credentials.ts):
 * 32 random bytes in the data directory, readable by root only, made at the first start
 * and kept, so that credentials handed out before a restart stay valid until they expire.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function loadCredentialsKey(dataDir: string): Buffer {
  const file = join(dataDir, 'function-credentials.key');
  try {
    const key = readFileSync(file);
    if (key.length === 32) return key;
  } catch {
    // Made below.
  }
  const key = randomBytes(32);
  writeFileSync(file, key, { mode: 0o600 });
  return key;
}
