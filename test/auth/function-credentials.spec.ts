/**
 * Functions' own credentials with auth on: the SDK inside a function (the runtime's SDK v3,
 * reaching Gust through AWS_ENDPOINT_URL) signs with the temporary ASIA key and session
 * token Gust handed the environment, and Gust verifies them as keys of the function's
 * account; deleting the function revokes them at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createFunction, invoke } from '../helpers/lambda.js';
import { startAuthGust, type AuthGust } from './support.js';

const HANDLER = `import { SQSClient, ListQueuesCommand } from '@aws-sdk/client-sqs';
export const handler = async () => {
  const listed = await new SQSClient({}).send(new ListQueuesCommand({}));
  return { queues: listed.QueueUrls ?? [], accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY, sessionToken: process.env.AWS_SESSION_TOKEN };
};
`;

let g: AuthGust;
let lambda: LambdaClient;
beforeAll(async () => {
  g = await startAuthGust({ sandbox: 'process' });
  lambda = new LambdaClient({ endpoint: g.t.url, region: 'us-east-1', credentials: g.key, maxAttempts: 1 });
  const sqs = new SQSClient({ endpoint: g.t.url, region: 'us-east-1', credentials: g.key });
  await sqs.send(new CreateQueueCommand({ QueueName: 'seen-by-fn' }));
  sqs.destroy();
  await createFunction(lambda, 'caller', { Handler: 'index.handler', Timeout: 30, Environment: { Variables: { AWS_ENDPOINT_URL: g.t.url } }, files: { 'index.mjs': HANDLER } });
}, 120_000);
afterAll(async () => {
  lambda?.destroy();
  await g?.stop();
});

describe('function credentials with auth on', () => {
  it('the SDK inside a function signs with its own credentials, which stop working when the function is deleted', async () => {
    const r = await invoke(lambda, 'caller');
    expect(r.functionError, r.text).toBeUndefined();
    const out = r.json as { queues: string[]; accessKeyId: string; secretAccessKey: string; sessionToken: string };
    expect(out.queues.some((u) => u.endsWith('/000000000000/seen-by-fn'))).toBe(true);
    expect(out.accessKeyId).toMatch(/^ASIA/);

    const asFunction = new SQSClient({ endpoint: g.t.url, region: 'us-east-1', credentials: { accessKeyId: out.accessKeyId, secretAccessKey: out.secretAccessKey, sessionToken: out.sessionToken }, maxAttempts: 1 });
    await asFunction.send(new ListQueuesCommand({}));
    // A forged token (another function's claims under the same key id) is refused.
    const forged = new SQSClient({ endpoint: g.t.url, region: 'us-east-1', credentials: { accessKeyId: out.accessKeyId, secretAccessKey: out.secretAccessKey, sessionToken: `${out.sessionToken}x` }, maxAttempts: 1 });
    await expect(forged.send(new ListQueuesCommand({}))).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'caller' }));
    await expect(asFunction.send(new ListQueuesCommand({}))).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
    asFunction.destroy();
    forged.destroy();
  }, 60_000);
});
