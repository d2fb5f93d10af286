/**
 * Reserved concurrency (put, get, delete, the account's unreserved minimum), tags on
 * functions, and GetAccountSettings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  ListTagsCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-lambda';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { expectAwsError, ROLE } from '../helpers/lambda.js';
import { makeZip } from '../helpers/zips.js';

const ARN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

describe('reserved concurrency, tags and account settings', () => {
  let t: TestGust;
  let zip: Buffer;

  beforeAll(async () => {
    t = await startTestGust();
    zip = await makeZip();
    for (const FunctionName of ['c1', 'c2']) {
      await t.lambda.send(new CreateFunctionCommand({ FunctionName, Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: zip } }));
    }
  });
  afterAll(async () => {
    await t.stop();
  });

  it('puts, gets and deletes reserved concurrency', async () => {
    expect((await t.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'c1' }))).ReservedConcurrentExecutions).toBeUndefined();
    const put = await t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'c1', ReservedConcurrentExecutions: 400 }));
    expect(put.ReservedConcurrentExecutions).toBe(400);
    expect((await t.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: ARN('c1') }))).ReservedConcurrentExecutions).toBe(400);
    expect((await t.lambda.send(new GetFunctionCommand({ FunctionName: 'c1' }))).Concurrency).toEqual({ ReservedConcurrentExecutions: 400 });

    const settings = await t.lambda.send(new GetAccountSettingsCommand({}));
    expect(settings.AccountLimit).toEqual({
      TotalCodeSize: 80530636800,
      CodeSizeUnzipped: 262144000,
      CodeSizeZipped: 52428800,
      ConcurrentExecutions: 1000,
      UnreservedConcurrentExecutions: 600,
    });
    expect(settings.AccountUsage).toEqual({ TotalCodeSize: 2 * zip.length, FunctionCount: 2 });

    const deleted = await t.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'c1' }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect((await t.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'c1' }))).ReservedConcurrentExecutions).toBeUndefined();
    expect((await t.lambda.send(new GetFunctionCommand({ FunctionName: 'c1' }))).Concurrency).toBeUndefined();
  });

  it('keeps 100 executions unreserved across the account', async () => {
    await t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'c1', ReservedConcurrentExecutions: 500 }));
    await expectAwsError(
      t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'c2', ReservedConcurrentExecutions: 401 })),
      'InvalidParameterValueException',
      400,
      "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
    );
    await t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'c2', ReservedConcurrentExecutions: 400 }));
    // Replacing a function's own reservation does not count it twice.
    await t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'c1', ReservedConcurrentExecutions: 500 }));
    expect((await t.lambda.send(new GetAccountSettingsCommand({}))).AccountLimit?.UnreservedConcurrentExecutions).toBe(100);
    await expectAwsError(t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'c1', ReservedConcurrentExecutions: 501 })), 'InvalidParameterValueException', 400);
    await t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'c2', ReservedConcurrentExecutions: 0 }));
    await t.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'c1' }));
    await t.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'c2' }));
  });

  it('refuses bad concurrency requests', async () => {
    await expectAwsError(t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'c1', ReservedConcurrentExecutions: -1 })), 'ValidationException', 400);
    await expectAwsError(
      t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'c1:1', ReservedConcurrentExecutions: 1 })),
      'InvalidParameterValueException',
      400,
      'This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.',
    );
    await expectAwsError(
      t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'ghost', ReservedConcurrentExecutions: 1 })),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN('ghost')}:$LATEST`,
    );
    await expectAwsError(t.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'ghost' })), 'ResourceNotFoundException', 404);
    await expectAwsError(t.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'ghost' })), 'ResourceNotFoundException', 404);
  });

  it('tags, lists and untags a function, changing its RevisionId', async () => {
    expect((await t.lambda.send(new ListTagsCommand({ Resource: ARN('c1') }))).Tags).toEqual({});
    const before = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'c1' }));
    const tagged = await t.lambda.send(new TagResourceCommand({ Resource: ARN('c1'), Tags: { team: 'core', env: 'dev' } }));
    expect(tagged.$metadata.httpStatusCode).toBe(204);
    await t.lambda.send(new TagResourceCommand({ Resource: ARN('c1'), Tags: { env: 'prod', tier: '1' } }));
    expect((await t.lambda.send(new ListTagsCommand({ Resource: ARN('c1') }))).Tags).toEqual({ team: 'core', env: 'prod', tier: '1' });
    expect((await t.lambda.send(new GetFunctionCommand({ FunctionName: 'c1' }))).Tags).toEqual({ team: 'core', env: 'prod', tier: '1' });
    const after = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'c1' }));
    expect(after.RevisionId).not.toBe(before.RevisionId);

    const untagged = await t.lambda.send(new UntagResourceCommand({ Resource: ARN('c1'), TagKeys: ['env', 'tier', 'absent'] }));
    expect(untagged.$metadata.httpStatusCode).toBe(204);
    expect((await t.lambda.send(new ListTagsCommand({ Resource: ARN('c1') }))).Tags).toEqual({ team: 'core' });
  });

  it('refuses tags on versions, bad ARNs, missing functions and too many tags', async () => {
    await t.lambda.send(new PublishVersionCommand({ FunctionName: 'c1' }));
    await expectAwsError(
      t.lambda.send(new TagResourceCommand({ Resource: `${ARN('c1')}:1`, Tags: { a: 'b' } })),
      'InvalidParameterValueException',
      400,
      'Tags on function aliases and versions are not supported. Please specify a function ARN.',
    );
    await expectAwsError(t.lambda.send(new TagResourceCommand({ Resource: 'c1', Tags: { a: 'b' } })), 'ValidationException', 400);
    await expectAwsError(t.lambda.send(new ListTagsCommand({ Resource: 'arn:aws:something' })), 'ValidationException', 400);
    await expectAwsError(t.lambda.send(new TagResourceCommand({ Resource: ARN('ghost'), Tags: { a: 'b' } })), 'ResourceNotFoundException', 404, `Function not found: ${ARN('ghost')}`);
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    await expectAwsError(t.lambda.send(new TagResourceCommand({ Resource: ARN('c2'), Tags: many })), 'InvalidParameterValueException', 400, 'Number of tags exceeds resource tag limit.');
    await expectAwsError(t.lambda.send(new TagResourceCommand({ Resource: ARN('c2'), Tags: {} })), 'InvalidParameterValueException', 400);
    await expectAwsError(
      t.lambda.send(new CreateFunctionCommand({ FunctionName: 'tagged', Runtime: 'nodejs20.x', Role: ROLE, Handler: 'i.h', Code: { ZipFile: zip }, Tags: many })),
      'InvalidParameterValueException',
      400,
    );
  });

  it('counts functions and code in the account usage', async () => {
    await t.lambda.send(new DeleteFunctionCommand({ FunctionName: 'c2' }));
    const settings = await t.lambda.send(new GetAccountSettingsCommand({}));
    // c1 with $LATEST and version 1.
    expect(settings.AccountUsage).toEqual({ TotalCodeSize: 2 * zip.length, FunctionCount: 1 });
  });
});
