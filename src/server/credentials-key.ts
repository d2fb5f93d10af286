/**
 * The server's secrets, 32 random bytes each in the data directory, readable by the owner
 * only, made at the first start and kept across restarts:
 * - `function-credentials.key`: functions' temporary credentials (core/function-credentials.ts),
 *   so that credentials handed out before a restart stay valid until they expire;
 * - `access-keys.key`: the seal of access key secrets (auth/secret-box.ts), kept out of
 *   auth.db so that a copied database reveals no secret;
 * - `s3-events.token`: the token external S3-compatible stores present with their bucket
 *   events, so that a store configured once keeps working;
 * - `metrics.token`: the bearer token Prometheus presents at `/metrics`, kept as hex text so
 *   that a scrape configuration can name the file itself (`credentials_file`).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The key in `<dataDir>/<name>`, made when missing. */
export function loadKeyFile(dataDir: string, name: string): Buffer {
  const file = join(dataDir, name);
  try {
    const key = readFileSync(file);
    if (key.length === 32) return key;
  } catch {
    // Made below.
  }
  const key = randomBytes(32);
  // 'wx': two processes (a server and `gust keys create`) racing to make it keep one key.
  try {
    writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
    return key;
  } catch {
    return readFileSync(file);
  }
}

export function loadCredentialsKey(dataDir: string): Buffer {
  return loadKeyFile(dataDir, 'function-credentials.key');
}

/** The webhook token of `POST /gust/s3-events`, as hex. */
export function loadS3EventsToken(dataDir: string): string {
  return loadKeyFile(dataDir, 's3-events.token').toString('hex');
}

/** The scrape token of `GET /metrics`: `<dataDir>/metrics.token`, 64 hex digits, made when missing. */
export function loadMetricsToken(dataDir: string): string {
  const file = join(dataDir, 'metrics.token');
  const read = (): string | undefined => {
    try {
      const text = readFileSync(file, 'utf8').trim();
      return /^[0-9a-f]{64}$/.test(text) ? text : undefined;
    } catch {
      return undefined;
    }
  };
  const found = read();
  if (found !== undefined) return found;
  const token = randomBytes(32).toString('hex');
  try {
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
    return token;
  } catch {
    // Another process made it first, or it holds something else: a fresh token replaces what is not one.
    const raced = read();
    if (raced !== undefined) return raced;
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    return token;
  }
}
