/**
 * Two accounts on a verifying server whose resources belong to the first: the second
 * account's key is refused everywhere (AccessDenied rather than acting on the first
 * account), except that it invokes exactly what a resource policy lets its account invoke
 * (AddPermission with its account as principal), through Invoke and AWS_IAM function URLs.
 */
import { AddPermissionCommand, CreateFunctionUrlConfigCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFunction, invoke } from '../helpers/lambda.js';
import { signRequest as signUrl, urlIdOf } from '../function-urls/support.js';
import { startAuthGust, type AuthGust } from './support.js';

const HELLO = { 'index.mjs': 'export const handler = async () => "hello";\n' };

let g: AuthGust;
let owner: LambdaClient;
let other: LambdaClient;
beforeAll(async () => {
  g = await startAuthGust({ sandbox: 'process' });
  owner = new LambdaClient({ endpoint: g.t.url, region: 'us-east-1', credentials: g.key, maxAttempts: 1 });
  other = new LambdaClient({ endpoint: g.t.url, region: 'us-east-1', credentials: g.other, maxAttempts: 1 });
  await createFunction(owner, 'shared', { files: HELLO });
  await createFunction(owner, 'private', { files: HELLO });
}, 60_000);
afterAll(async () => {
  owner?.destroy();
  other?.destroy();
  await g?.stop();
});

describe('two accounts', () => {
  it('another account’s key is refused, and invokes exactly what a policy permits', async () => {
    await expect(other.send(new ListFunctionsCommand({}))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(invoke(other, 'shared')).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: `User: arn:aws:iam::${g.otherAccount}:root is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:000000000000:function:shared because no resource-based policy allows the lambda:InvokeFunction action`,
    });
    await owner.send(new AddPermissionCommand({ FunctionName: 'shared', StatementId: 'team-b', Action: 'lambda:InvokeFunction', Principal: g.otherAccount }));
    expect((await invoke(other, 'shared')).json).toBe('hello');
    await expect(invoke(other, 'private')).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect((await invoke(owner, 'private')).json).toBe('hello');
  }, 60_000);

  it('an AWS_IAM function URL takes another account’s key only with a lambda:InvokeFunctionUrl statement for it', async () => {
    const url = `${g.t.url}/lambda-url/${urlIdOf((await owner.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'shared', AuthType: 'AWS_IAM' }))).FunctionUrl!)}/`;
    expect((await fetch(url, { headers: await signUrl(url, g.other) })).status).toBe(403);
    expect((await fetch(url, { headers: await signUrl(url, g.key) })).status).toBe(200);
    await owner.send(new AddPermissionCommand({ FunctionName: 'shared', StatementId: 'team-b-url', Action: 'lambda:InvokeFunctionUrl', Principal: g.otherAccount, FunctionUrlAuthType: 'AWS_IAM' }));
    expect((await fetch(url, { headers: await signUrl(url, g.other) })).status).toBe(200);
  }, 60_000);
});
