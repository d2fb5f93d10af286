/**
 * The server's secrets, 32 random bytes each in the key directory (the data dir, or a
 * cluster's shared `<blob-dir>/keys`: config.ts `keyDirOf`), readable by the owner only,
 * made at the first start and kept across restarts:
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
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The key files' names, each in the key directory. */
export const KEY_FILE = {
  functionCredentials: 'function-credentials.key',
  accessKeys: 'access-keys.key',
  s3Events: 's3-events.token',
  metrics: 'metrics.token',
} as const;

/**
 * Readies `keyDir` for the key files. When it is not the data dir (a cluster's shared one),
 * a node that ran before with keys of its own brings them where the shared dir has none yet,
 * so that the first node of a cluster keeps what its keys sealed and signed. Returns the
 * names whose data-dir copy differs from the shared one: what that copy sealed or signed no
 * longer opens here.
 */
export function settleKeyDir(keyDir: string, dataDir: string): string[] {
  mkdirSync(keyDir, { recursive: true, mode: 0o700 });
  if (resolve(keyDir) === resolve(dataDir)) return [];
  const differing: string[] = [];
  for (const name of Object.values(KEY_FILE)) {
    const own = readOrUndefined(join(dataDir, name));
    if (own === undefined) continue;
    // Nodes starting together on one shared dir keep the first one's.
    if (!createOnce(join(keyDir, name), own) && !own.equals(readFileSync(join(keyDir, name)))) differing.push(name);
  }
  return differing;
}

/**
 * Makes `file` with `content` unless it exists; whether this call made it. The content is
 * written to a file of its own first and then linked into place, so that the file appears
 * whole: a process that starts beside this one (another node on the shared dir, `gust keys`)
 * never reads it empty or half written, as it could between an exclusive create and its write.
 */
function createOnce(file: string, content: Buffer | string): boolean {
  const staged = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
  writeFileSync(staged, content, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(staged, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(staged, { force: true });
  }
}

function readOrUndefined(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** The key in `<dir>/<name>`, made when missing; throws, naming the file, when it holds something else. */
export function loadKeyFile(dir: string, name: string): Buffer {
  const file = join(dir, name);
  let found = readOrUndefined(file);
  if (found === undefined) {
    const key = randomBytes(32);
    // Two processes (nodes, a server and `gust keys create`) racing to make it keep one key.
    if (createOnce(file, key)) return key;
    found = readFileSync(file);
  }
  if (found.length !== 32) throw new Error(`${file} holds ${found.length} bytes, not a 32-byte key: remove it to have a new key made (what the old one sealed or signed is then lost)`);
  return found;
}

export function loadCredentialsKey(dir: string): Buffer {
  return loadKeyFile(dir, KEY_FILE.functionCredentials);
}

/** The webhook token of `POST /gust/s3-events`, as hex. */
export function loadS3EventsToken(dir: string): string {
  return loadKeyFile(dir, KEY_FILE.s3Events).toString('hex');
}

/** The scrape token of `GET /metrics`: `<dir>/metrics.token`, 64 hex digits, made when missing. */
export function loadMetricsToken(dir: string): string {
  const file = join(dir, KEY_FILE.metrics);
  const read = (): string | undefined => {
    const text = readOrUndefined(file)?.toString('utf8').trim();
    return text !== undefined && /^[0-9a-f]{64}$/.test(text) ? text : undefined;
  };
  const found = read();
  if (found !== undefined) return found;
  const token = randomBytes(32).toString('hex');
  if (createOnce(file, `${token}\n`)) return token;
  // Another process made it first, or it holds something else: a fresh token replaces what is not one.
  const raced = read();
  if (raced !== undefined) return raced;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}
