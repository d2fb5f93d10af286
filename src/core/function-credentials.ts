/**
 * The temporary credentials every function gets in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
 * and AWS_SESSION_TOKEN, as Lambda hands out its execution role's: short-lived, and
 * checkable by Gust without storing them. The session token carries its claims (who, which
 * role, until when) and an HMAC of them under the server's key; the secret is an HMAC of
 * the key id and token, so whoever holds the key recomputes it from what a signed request
 * carries (the key id in its credential scope, the token in X-Amz-Security-Token) and can
 * verify the signature. Nothing of the key can be learnt from a token.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface FunctionCredentialClaims {
  /** The function's ARN (unqualified). */
  function: string;
  /** Its execution role's ARN. */
  role: string;
  /** Expiry, ms since the epoch. */
  expires: number;
  /** The account the credentials act in (the function's); absent in tokens of older servers. */
  account?: string;
  /**
   * Which incarnation of the function they belong to (its CreateFunction time): a function
   * deleted and created again under the same name does not inherit the old credentials.
   */
  generation?: string;
}

export interface FunctionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expires: number;
}

/** How long a function's credentials last: Lambda's execution-role sessions last up to 12 hours. */
export const FUNCTION_CREDENTIALS_TTL_MS = 12 * 3_600_000;

const TOKEN_PREFIX = 'GustFn1.';

export function mintFunctionCredentials(key: Buffer, claims: Omit<FunctionCredentialClaims, 'expires'>, now: number, ttlMs = FUNCTION_CREDENTIALS_TTL_MS): FunctionCredentials {
  // ASIA: the prefix of AWS's temporary access keys, which SDKs and tools recognise.
  const accessKeyId = `ASIA${randomBytes(10).toString('hex').toUpperCase().slice(0, 16)}`;
  const full: FunctionCredentialClaims = { ...claims, expires: now + ttlMs };
  const body = Buffer.from(JSON.stringify({ k: accessKeyId, f: full.function, r: full.role, x: full.expires, a: full.account, g: full.generation })).toString('base64url');
  const sessionToken = `${TOKEN_PREFIX}${body}.${mac(key, `token:${body}`)}`;
  return { accessKeyId, secretAccessKey: secretFor(key, accessKeyId, sessionToken), sessionToken, expires: full.expires };
}

/** The claims of a session token this key minted for `accessKeyId`, or undefined (forged, altered, another key's, expired). */
export function openSessionToken(key: Buffer, accessKeyId: string, sessionToken: string, now: number): FunctionCredentialClaims | undefined {
  const claims = readSessionToken(key, accessKeyId, sessionToken);
  return claims && claims.expires > now ? claims : undefined;
}

/**
 * The claims of a session token this key minted for `accessKeyId`, expired or not (the
 * verifier tells an expired token from a forged one, as AWS does), or undefined.
 */
export function readSessionToken(key: Buffer, accessKeyId: string, sessionToken: string): FunctionCredentialClaims | undefined {
  if (!sessionToken.startsWith(TOKEN_PREFIX)) return undefined;
  const [body, tag] = sessionToken.slice(TOKEN_PREFIX.length).split('.');
  if (!body || !tag) return undefined;
  const expected = Buffer.from(mac(key, `token:${body}`));
  const given = Buffer.from(tag);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  const parsed = JSON.parse(Buffer.from(body, 'base64url').toString()) as { k: string; f: string; r: string; x: number; a?: string; g?: string };
  if (parsed.k !== accessKeyId) return undefined;
  return { function: parsed.f, role: parsed.r, expires: parsed.x, ...(parsed.a === undefined ? {} : { account: parsed.a }), ...(parsed.g === undefined ? {} : { generation: parsed.g }) };
}

/** The secret that goes with a key id and token minted under `key`. */
export function secretFor(key: Buffer, accessKeyId: string, sessionToken: string): string {
  return createHmac('sha256', key).update(`secret:${accessKeyId}:${sessionToken}`).digest('base64').slice(0, 40);
}

function mac(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text).digest('base64url');
}
