/**
 * Shared pieces of the S3 suites: an S3 SDK client for a test server (path-style, dummy
 * credentials, the SDK's current default checksums), and the environment the aws CLI and
 * boto3 need to reach it.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { request } from 'node:http';
import type { TestGust } from '../helpers/gust.js';

export const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export function s3Client(t: TestGust, options: { forcePathStyle?: boolean } = {}): S3Client {
  return new S3Client({ endpoint: t.url, region: t.config.region, credentials: CREDENTIALS, forcePathStyle: options.forcePathStyle ?? true, maxAttempts: 1 });
}

/** Environment for `aws` and `python3 -c 'import boto3'` against the server: its endpoint, dummy keys, no config files of the user's. */
export function clientEnv(t: TestGust): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: t.dataDir,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: t.config.region,
    AWS_ENDPOINT_URL: t.url,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
  };
}

/**
 * An unsigned S3 request, path-style, by the `s3.localhost` host form that routes it to S3
 * (fetch cannot set Host): for what the SDKs never send, such as a wrong digest.
 */
export function unsignedS3(t: TestGust, path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; text(): Promise<string> }> {
  const url = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: init.method ?? 'GET', headers: { ...init.headers, host: `s3.localhost:${url.port}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, text: () => Promise.resolve(Buffer.concat(chunks).toString()) }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
