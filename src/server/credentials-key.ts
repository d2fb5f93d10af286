/**
 * Secrets the server keeps in its data directory, readable by root only, made at the first
 * start and kept across restarts: the key for functions' temporary credentials
 * (core/function-credentials.ts), so that credentials handed out before a restart stay
 * valid until they expire, and the token external S3-compatible stores present with their
 * bucket events, so that a store configured once keeps working.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function loadSecret(file: string): Buffer {
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

export function loadCredentialsKey(dataDir: string): Buffer {
  return loadSecret(join(dataDir, 'function-credentials.key'));
}

/** The webhook token of `POST /gust/s3-events`, as hex. */
export function loadS3EventsToken(dataDir: string): string {
  return loadSecret(join(dataDir, 's3-events.token')).toString('hex');
}
