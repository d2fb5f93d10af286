/**
 * Shared pieces of the S3 suites: an S3 SDK client for a test server (path-style, dummy
 * credentials, the SDK's current default checksums), and the environment the aws CLI and
 * boto3 need to reach it.
 */
import { AddPermissionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
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
 * Headers that make a plain `fetch` an S3 request to Gust: an Authorization header with an
 * `s3` credential scope (Gust routes by it; signatures are not checked yet).
 */
export const S3_HEADERS = { authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0' };

/** Lets S3 invoke `fn` for `bucket`, as `aws lambda add-permission --principal s3.amazonaws.com` does before a notification is configured. */
export async function allowS3(lambda: LambdaClient, fn: string, bucket: string): Promise<void> {
  await lambda.send(new AddPermissionCommand({ FunctionName: fn, StatementId: `s3-${bucket}`, Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: `arn:aws:s3:::${bucket}`, SourceAccount: '000000000000' }));
}
