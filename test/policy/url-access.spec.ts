/**
 * A function URL with `AuthType NONE` is public only while its function's (or alias's)
 * policy says so, as on AWS (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html):
 * 403 AccessDeniedException `{"Message":"Forbidden"}` without the statement, 200 after
 * `aws lambda add-permission`, 403 again after `remove-permission`, with nothing restarted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddPermissionCommand, CreateAliasCommand, CreateFunctionUrlConfigCommand, RemovePermissionCommand, UpdateFunctionUrlConfigCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliMissing, awsLambda } from '../helpers/aws-cli.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { curl, deployUrlFunction, signRequest } from '../function-urls/support.js';

let t: TestGust;
let work: string;
const cli = awsLambda(() => ({ endpoint: t.url, cwd: work }));

/** AWS's answer to a NONE URL its policy does not make public. */
function expectForbidden(r: { status: number; headers: [string, string][]; body: Buffer }): void {
  expect(r.status).toBe(403);
  expect(r.body.toString()).toBe('{"Message":"Forbidden"}');
  expect(r.headers).toContainEqual(['x-amzn-errortype', 'AccessDeniedException']);
  expect(r.headers).toContainEqual(['content-type', 'application/json']);
}

beforeAll(async () => {
  t = await startTestGust();
  work = mkdtempSync(join(tmpdir(), 'gust-url-access-'));
  await deployUrlFunction(t.lambda, 'web');
});
afterAll(async () => {
  await t?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(awsCliMissing('function URL access suite'))('a NONE function URL', () => {
  it('answers 403 without the public statement, 200 after add-permission and 403 again after remove-permission', async () => {
    const created = await cli.ok('create-function-url-config', '--function-name', 'web', '--auth-type', 'NONE');
    const url = `${created.FunctionUrl as string}hello`;
    expectForbidden(await curl([url]));

    await cli.ok('add-permission', '--function-name', 'web', '--statement-id', 'FunctionURLAllowPublicAccess', '--action', 'lambda:InvokeFunctionUrl', '--principal', '*', '--function-url-auth-type', 'NONE');
    const open = await curl(['-X', 'POST', '-d', 'x', url]);
    expect([open.status, open.body.toString()]).toEqual([200, 'hello']);

    expect(await cli.ok('remove-permission', '--function-name', 'web', '--statement-id', 'FunctionURLAllowPublicAccess')).toEqual({});
    expectForbidden(await curl([url]));
  });

  it('is not made public by statements for other actions, principals or auth types', async () => {
    const url = `${(await t.lambda.send(new CreateAliasCommand({ FunctionName: 'web', Name: 'strict', FunctionVersion: '$LATEST' })).then(() =>
      t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'strict', AuthType: 'NONE' })),
    )).FunctionUrl!}hello`;
    const add = (StatementId: string, more: Record<string, string>) =>
      t.lambda.send(new AddPermissionCommand({ FunctionName: 'web', Qualifier: 'strict', StatementId, Action: 'lambda:InvokeFunctionUrl', Principal: '*', ...more }));
    await add('invoke', { Action: 'lambda:InvokeFunction' });
    await add('account', { Principal: '123456789012', FunctionUrlAuthType: 'NONE' });
    await add('iam', { FunctionUrlAuthType: 'AWS_IAM' });
    expectForbidden(await curl([url]));
    // The function's own public statement does not reach its alias's URL either.
    await t.lambda.send(new AddPermissionCommand({ FunctionName: 'web', StatementId: 'fn-public', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' }));
    expectForbidden(await curl([url]));
    // lambda:* to everyone, without a condition, does: IAM's wildcard covers the URL action.
    await add('everything', { Action: 'lambda:*' });
    expect((await curl([url])).status).toBe(200);
    await t.lambda.send(new RemovePermissionCommand({ FunctionName: 'web', Qualifier: 'strict', StatementId: 'everything' }));
    await t.lambda.send(new RemovePermissionCommand({ FunctionName: 'web', StatementId: 'fn-public' }));
  });

  it('needs no statement for an AWS_IAM URL signed by the account, and the NONE statement once switched to NONE', async () => {
    await t.lambda.send(new CreateAliasCommand({ FunctionName: 'web', Name: 'iam', FunctionVersion: '$LATEST' }));
    const url = `${(await t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'iam', AuthType: 'AWS_IAM' }))).FunctionUrl!}hello`;
    const signed = await signRequest(url);
    const ok = await curl([...Object.entries(signed).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), url]);
    expect(ok.status).toBe(200);
    await t.lambda.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'iam', AuthType: 'NONE' }));
    expectForbidden(await curl([url]));
  });
});
