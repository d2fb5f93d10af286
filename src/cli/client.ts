/**
 * The CLI's connection to a Gust server: an ordinary `@aws-sdk/client-lambda` client,
 * so that the CLI uses Gust exactly as any user would. Credentials are dummies and the
 * region comes from GUST_REGION, so that no AWS configuration is needed.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CliError } from './output.js';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:9000';
export const DEFAULT_REGION = 'us-east-1';

export interface Target {
  endpoint: string;
  region: string;
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
  return { endpoint, region: env.GUST_REGION ?? DEFAULT_REGION };
}

export function createClient(target: Target): LambdaClient {
  return new LambdaClient({
    endpoint: target.endpoint,
    region: target.region,
    // Gust does not check signatures, but the SDK signs every request.
    credentials: { accessKeyId: 'gust', secretAccessKey: 'gust' },
    // A server that is down should be reported at once, not after retries with backoff.
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 5_000 },
  });
}
