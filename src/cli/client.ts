/**
 * The CLI's connection to a Gust server: ordinary `@aws-sdk/client-lambda` and
 * `@aws-sdk/client-eventbridge` clients, so that the CLI uses Gust exactly as any user
 * would, and `fetchGust` for Gust's own read-only routes under `/gust/`. Credentials are
 * dummies and the region comes from GUST_REGION, so that no AWS configuration is needed.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DEFAULT_ENDPOINT, DEFAULT_REGION } from './defaults.js';
import { CliError } from './output.js';


export interface Target {
  endpoint: string;
  region: string;
  /** The access key requests are signed with: GUST_ACCESS_KEY_ID/GUST_SECRET_ACCESS_KEY, else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else a dummy that an open server accepts. */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** `--endpoint` > GUST_ENDPOINT > the default; GUST_REGION > us-east-1. */
export function resolveTarget(endpointFlag: string | undefined, env: NodeJS.ProcessEnv): Target {
  const endpoint = (endpointFlag ?? env.GUST_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    const source = endpointFlag === undefined ? 'GUST_ENDPOINT' : '--endpoint';
    throw new CliError(`${source} must be an http:// or https:// URL, got '${endpoint}'`);
  }
  // Empty variables count as unset.
  const id = env.GUST_ACCESS_KEY_ID || env.AWS_ACCESS_KEY_ID || undefined;
  const secret = env.GUST_SECRET_ACCESS_KEY || env.AWS_SECRET_ACCESS_KEY || undefined;
  const token = env.GUST_ACCESS_KEY_ID ? undefined : env.AWS_SESSION_TOKEN;
  const credentials = id !== undefined && secret !== undefined ? { accessKeyId: id, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) } : { accessKeyId: 'gust', secretAccessKey: 'gust' };
  return { endpoint, region: env.GUST_REGION ?? DEFAULT_REGION, credentials };
}

function clientConfig(target: Target) {
  return {
    endpoint: target.endpoint,
    region: target.region,
    // An open server (no access keys) accepts the dummy; one that verifies needs a real key.
    credentials: target.credentials,
    // A server that is down should be reported at once, not after retries with backoff.
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 5_000 },
  };
}

export function createClient(target: Target): LambdaClient {
  return new LambdaClient(clientConfig(target));
}

/** The EventBridge API, which Gust serves on the same port as the Lambda API. */
export function createEventsClient(target: Target): EventBridgeClient {
  return new EventBridgeClient(clientConfig(target));
}

/**
 * GETs one of Gust's own JSON routes (`/gust/…`, which no AWS SDK models). A refusal
 * becomes a CliError reading `<x-amzn-ErrorType>: <Message>`, or the body as it came when
 * it is not Gust's JSON error.
 */
export async function fetchGust<T>(target: Target, path: string, post?: Record<string, unknown>): Promise<T> {
  const body = post === undefined ? undefined : JSON.stringify(post);
  const method = body === undefined ? 'GET' : 'POST';
  const headers = { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(await signedHeaders(target, path, method, body)) };
  const res = await fetch(`${target.endpoint}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const answer = await res.text();
  if (!res.ok) throw new CliError(refusal(res, answer));
  try {
    return JSON.parse(answer) as T;
  } catch {
    throw new CliError(`unexpected answer from ${target.endpoint}${path}: is it a Gust server?`);
  }
}

/** SigV4 headers for a request to one of Gust's own routes, signed as the SDK signs (service `lambda`). */
async function signedHeaders(target: Target, pathAndQuery: string, method: string, body: string | undefined): Promise<Record<string, string>> {
  const [{ SignatureV4 }, { Sha256 }] = await Promise.all([import('@smithy/signature-v4'), import('@smithy/core/checksum')]);
  const url = new URL(`${target.endpoint}${pathAndQuery}`);
  const signer = new SignatureV4({ credentials: target.credentials, region: target.region, service: 'lambda', sha256: Sha256 });
  const headers = { host: url.host, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
  const signed = await signer.sign({ method, protocol: url.protocol, hostname: url.hostname, ...(url.port ? { port: Number(url.port) } : {}), path: url.pathname, query: Object.fromEntries(url.searchParams), headers, ...(body === undefined ? {} : { body }) });
  return Object.fromEntries(Object.entries(signed.headers).filter(([k]) => k.toLowerCase() !== 'host').map(([k, v]) => [k, String(v)]));
}

function refusal(res: Response, body: string): string {
  try {
    const parsed = JSON.parse(body) as { Message?: unknown };
    if (typeof parsed.Message === 'string') return `${res.headers.get('x-amzn-errortype') ?? `HTTP ${res.status}`}: ${parsed.Message}`;
  } catch {
    // not JSON: the body as it came, below
  }
  return body.trim() || `HTTP ${res.status}`;
}
