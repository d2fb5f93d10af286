/**
 * Shared pieces of the auth suites: a test server whose data dir holds access keys (one of
 * the server's account, one of another account) before it starts, so that it verifies
 * every request; the keys, and helpers to sign requests by hand where a client cannot be
 * made to send what a test needs (a tampered header, a replayed chunk).
 */
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { openAccessKeys } from '../../src/server/admin.js';
import { testStoreOf } from '../helpers/test-store.js';
import { newDataDir, startTestGust, type TestGust } from '../helpers/gust.js';

export interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface AuthGust {
  t: TestGust;
  /** A key of the server's account (000000000000). */
  key: Keys;
  /** A key of another account. */
  other: Keys;
  otherAccount: string;
  stop(): Promise<void>;
}

export async function startAuthGust(flags: Record<string, string> = {}): Promise<AuthGust> {
  const dataDir = newDataDir();
  const opened = await openAccessKeys({ dataDir, blobDir: '', store: await testStoreOf(dataDir), accountId: '000000000000' });
  await opened.keys.createAccount({ accountId: '000000000000', name: 'default' });
  const key = await opened.keys.createKey('000000000000');
  const account = await opened.keys.createAccount({ name: 'other' });
  const other = await opened.keys.createKey(account.accountId);
  await opened.close();
  const t = await startTestGust({ dataDir, flags });
  return {
    t,
    key: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    other: { accessKeyId: other.accessKeyId, secretAccessKey: other.secretAccessKey },
    otherAccount: account.accountId,
    async stop() {
      await t.stop();
      const { rmSync } = await import('node:fs');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Signs a request to the server as the SDK would, at `at` (default now); returns fetch's init and URL. */
export async function signRequest(
  base: string,
  keys: Keys,
  options: { method: string; path: string; service: string; headers?: Record<string, string>; body?: string | Buffer; query?: Record<string, string>; at?: number },
): Promise<{ url: string; init: { method: string; headers: Record<string, string>; body?: string | Buffer } }> {
  const u = new URL(base);
  const signer = new SignatureV4({ credentials: keys, region: 'us-east-1', service: options.service, sha256: Sha256, uriEscapePath: options.service !== 's3' });
  const signed = await signer.sign(
    { method: options.method, protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: options.path, query: options.query ?? {}, headers: { host: u.host, ...options.headers }, ...(options.body === undefined ? {} : { body: options.body }) },
    { signingDate: new Date(options.at ?? Date.now()) },
  );
  const query = new URLSearchParams(options.query ?? {}).toString();
  const headers = Object.fromEntries(Object.entries(signed.headers).filter(([k]) => k.toLowerCase() !== 'host'));
  return { url: `${base}${options.path}${query ? `?${query}` : ''}`, init: { method: options.method, headers, ...(options.body === undefined ? {} : { body: options.body }) } };
}
