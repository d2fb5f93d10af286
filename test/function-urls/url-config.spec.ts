/**
 * The function URL configuration API through the real @aws-sdk/client-lambda against a
 * real server: create, get, update, list with paging, delete, AWS's validation errors,
 * URLs that follow their function and alias, and configurations surviving a restart.
 */
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  ListFunctionUrlConfigsCommand,
  UpdateFunctionUrlConfigCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectAwsError, ROLE } from '../helpers/lambda.js';
import { makeZip } from '../helpers/zips.js';
import { newDataDir, removeDataDir, startTestGust, type TestGust } from '../helpers/gust.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let t: TestGust;
let dataDir: string;

async function createFunction(name: string): Promise<void> {
  await t.lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: await makeZip() } }));
  await waitUntilFunctionActiveV2({ client: t.lambda, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { FunctionName: name });
}

beforeEach(async () => {
  dataDir = newDataDir();
  t = await startTestGust({ dataDir, keepDataDir: true });
  await createFunction('web');
  await t.lambda.send(new CreateAliasCommand({ FunctionName: 'web', Name: 'live', FunctionVersion: '$LATEST' }));
});
afterEach(async () => {
  await t.stop();
  await removeDataDir(dataDir);
});

describe('function URL configuration API', () => {
  it('creates, gets, updates, lists and deletes a URL in AWS shapes', async () => {
    const created = await t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'NONE' }));
    expect(created.$metadata.httpStatusCode).toBe(201);
    const port = new URL(t.url).port;
    expect(created.FunctionUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/lambda-url/[a-z0-9]{32}/$`));
    expect(created).toMatchObject({ FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:web', AuthType: 'NONE', CreationTime: expect.stringMatching(ISO) });
    expect(created.Cors).toBeUndefined();
    // AWS's default mode, reported although the request did not name one.
    expect(created.InvokeMode).toBe('BUFFERED');

    const got = await t.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'web' }));
    expect(got).toMatchObject({ FunctionUrl: created.FunctionUrl, AuthType: 'NONE', CreationTime: created.CreationTime, LastModifiedTime: expect.stringMatching(ISO), InvokeMode: 'BUFFERED' });
    const updatedAuth = await t.lambda.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'NONE' }));
    expect(updatedAuth.InvokeMode).toBe('BUFFERED');
    expect((await t.lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'web' }))).FunctionUrlConfigs![0]!.InvokeMode).toBe('BUFFERED');

    const cors = { AllowOrigins: ['https://app.example'], AllowMethods: ['GET', 'POST'], AllowHeaders: ['x-custom'], ExposeHeaders: ['x-total'], MaxAge: 300, AllowCredentials: true };
    const updated = await t.lambda.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'AWS_IAM', Cors: cors, InvokeMode: 'RESPONSE_STREAM' }));
    expect(updated).toMatchObject({ FunctionUrl: created.FunctionUrl, AuthType: 'AWS_IAM', Cors: cors, InvokeMode: 'RESPONSE_STREAM', CreationTime: created.CreationTime });
    // An update without fields keeps what is there.
    const kept = await t.lambda.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'web' }));
    expect(kept).toMatchObject({ AuthType: 'AWS_IAM', Cors: cors, InvokeMode: 'RESPONSE_STREAM' });

    const aliased = await t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'live', AuthType: 'NONE', InvokeMode: 'BUFFERED' }));
    expect(aliased).toMatchObject({ FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:web:live', InvokeMode: 'BUFFERED' });
    expect(aliased.FunctionUrl).not.toBe(created.FunctionUrl);
    expect((await t.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'web:live' }))).FunctionUrl).toBe(aliased.FunctionUrl);

    const list = await t.lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'web' }));
    expect(list.FunctionUrlConfigs!.map((c) => c.FunctionArn)).toEqual([created.FunctionArn, aliased.FunctionArn]);
    const page1 = await t.lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'web', MaxItems: 1 }));
    expect(page1.FunctionUrlConfigs).toHaveLength(1);
    const page2 = await t.lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'web', MaxItems: 1, Marker: page1.NextMarker }));
    expect(page2.FunctionUrlConfigs!.map((c) => c.FunctionArn)).toEqual([aliased.FunctionArn]);
    expect(page2.NextMarker).toBeUndefined();

    const deleted = await t.lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'live' }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    await expectAwsError(t.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'live' })), 'ResourceNotFoundException', 404, 'The resource you requested does not exist.');
  });

  it('refuses what AWS refuses, with its errors', async () => {
    await t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'NONE' }));
    await expectAwsError(
      t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'NONE' })),
      'ResourceConflictException',
      409,
      'Failed to create function url config for [functionArn = arn:aws:lambda:us-east-1:000000000000:function:web]. Error message:  FunctionUrlConfig exists for this Lambda function',
    );
    await expectAwsError(t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'nope', AuthType: 'NONE' })), 'ResourceNotFoundException', 404, 'Function does not exist');
    await expectAwsError(t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'missing', AuthType: 'NONE' })), 'ResourceNotFoundException', 404, 'Function does not exist');
    await expectAwsError(
      t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: '$LATEST', AuthType: 'NONE' })),
      'ValidationException',
      400,
      "1 validation error detected: Value '$LATEST' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)",
    );
    await expectAwsError(t.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: '1' })), 'ValidationException', 400, /Value '1' at 'qualifier'/);
    await expectAwsError(
      t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'live', AuthType: 'NONE', InvokeMode: 'UNKNOWN' as never })),
      'ValidationException',
      400,
      "1 validation error detected: Value 'UNKNOWN' at 'invokeMode' failed to satisfy constraint: Member must satisfy enum value set: [RESPONSE_STREAM, BUFFERED]",
    );
    await expectAwsError(
      t.lambda.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'web', InvokeMode: 'buffered' as never })),
      'ValidationException',
      400,
      "1 validation error detected: Value 'buffered' at 'invokeMode' failed to satisfy constraint: Member must satisfy enum value set: [RESPONSE_STREAM, BUFFERED]",
    );
    await expectAwsError(
      t.lambda.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'web', Cors: { MaxAge: 86401, AllowOrigins: ['x'.repeat(254)] } })),
      'ValidationException',
      400,
      /^2 validation errors detected: .*'cors\.allowOrigins\.1\.member'.*; .*'cors\.maxAge'/,
    );
    await expectAwsError(t.lambda.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'live', AuthType: 'NONE' })), 'ResourceNotFoundException', 404, 'The resource you requested does not exist.');
    await expectAwsError(t.lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: 'nope' })), 'ResourceNotFoundException', 404, 'The resource you requested does not exist.');
    await expectAwsError(t.lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'nope' })), 'ResourceNotFoundException', 404, 'Function does not exist');
  });

  it('removes the URLs of a deleted alias or function', async () => {
    await t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'NONE' }));
    await t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'live', AuthType: 'NONE' }));
    await t.lambda.send(new DeleteAliasCommand({ FunctionName: 'web', Name: 'live' }));
    expect((await t.lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'web' }))).FunctionUrlConfigs).toHaveLength(1);
    await t.lambda.send(new DeleteFunctionCommand({ FunctionName: 'web' }));
    await createFunction('web');
    expect((await t.lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'web' }))).FunctionUrlConfigs).toEqual([]);
  });

  it('keeps configurations across a restart, with the same URL', async () => {
    const created = await t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'live', AuthType: 'AWS_IAM', Cors: { AllowOrigins: ['*'] } }));
    await t.stop();
    t = await startTestGust({ dataDir, keepDataDir: true });
    const got = await t.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'live' }));
    const id = (url: string | undefined) => new URL(url!).pathname;
    expect(id(got.FunctionUrl)).toBe(id(created.FunctionUrl));
    expect(got).toMatchObject({ AuthType: 'AWS_IAM', Cors: { AllowOrigins: ['*'] }, CreationTime: created.CreationTime });
  });
});
