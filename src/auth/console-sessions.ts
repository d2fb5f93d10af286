/**
 * Sessions of the web console (docs/console.md). A browser cannot sign SigV4 without a
 * bundled signer, and should not keep a secret in its storage, so the console trades an
 * access key id and secret once for a session token: the key's account, its id and an
 * expiry under an HMAC of a server key. Nothing is stored on the server; the key is looked
 * up again on every use, so `gust keys rm` ends its sessions at once.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Caller } from './caller.js';

/** How long a session lasts: a working day, after which the console asks again. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface ConsoleSessionOptions {
  /** Derived from the server's key (never the key itself), so a leaked token says nothing of it. */
  key: Buffer;
  keys: { lookup(accessKeyId: string): Promise<{ accountId: string; secretAccessKey: string } | undefined> };
  now(): number;
}

interface Claims {
  /** account */
  a: string;
  /** access key id */
  k: string;
  /** expiry, ms since the epoch */
  e: number;
}

export class ConsoleSessions {
  constructor(private readonly options: ConsoleSessionOptions) {}

  /** A session for the key, when `secretAccessKey` is its secret; undefined otherwise. */
  async signIn(accessKeyId: string, secretAccessKey: string): Promise<{ caller: Caller; token: string; expires: number } | undefined> {
    const found = await this.options.keys.lookup(accessKeyId);
    if (!found || !sameText(found.secretAccessKey, secretAccessKey)) return undefined;
    const expires = this.options.now() + SESSION_TTL_MS;
    const payload = Buffer.from(JSON.stringify({ a: found.accountId, k: accessKeyId, e: expires } satisfies Claims)).toString('base64url');
    return { caller: { accountId: found.accountId, accessKeyId, kind: 'key' }, token: `${payload}.${this.mac(payload)}`, expires };
  }

  /** The caller a token stands for, while it is unexpired, untampered and its key still exists. */
  async callerOf(token: string): Promise<Caller | undefined> {
    const dot = token.indexOf('.');
    if (dot < 0) return undefined;
    const payload = token.slice(0, dot);
    if (!sameText(this.mac(payload), token.slice(dot + 1))) return undefined;
    let claims: Claims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Claims;
    } catch {
      return undefined;
    }
    if (typeof claims.e !== 'number' || claims.e <= this.options.now()) return undefined;
    const found = await this.options.keys.lookup(claims.k);
    if (!found || found.accountId !== claims.a) return undefined;
    return { accountId: claims.a, accessKeyId: claims.k, kind: 'key' };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.options.key).update(payload).digest('base64url');
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
