/**
 * The provisioned concurrency API through the real SDK: Put/Get/Delete/List on versions
 * and aliases in AWS's shapes, AWS's validation errors (messages as recorded from AWS),
 * how it counts against reserved and unreserved concurrency (GetFunctionConcurrency,
 * GetAccountSettings, PutFunctionConcurrency), and configurations across a restart.
 * The environments themselves are test/pool/provisioned.spec.ts's.
 */
import {
  CreateAliasCommand,
  DeleteAliasCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetAccountSettingsCommand,
  GetFunctionConcurrencyCommand,
  GetProvisionedConcurrencyConfigCommand,
  ListProvisionedConcurrencyConfigsCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutProvisionedConcurrencyConfigCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
  type GetProvisionedConcurrencyConfigCommandOutput,
} from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { newDataDir, removeDataDir, startTestGust, type TestGust } from '../helpers/gust.js';
import { ARN_PREFIX, createFunction, expectAwsError } from '../helpers/lambda.js';
import { waitFor } from '../helpers/wait.js';

const HANDLER = 'exports.handler = async () => process.env.AWS_LAMBDA_INITIALIZATION_TYPE;\n';
const LAST_MODIFIED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/;

let t: TestGust | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function published(g: TestGust, name: string): Promise<void> {
  await createFunction(g.lambda, name, { files: { 'index.js': HANDLER } });
  await g.lambda.send(new PublishVersionCommand({ FunctionName: name }));
}

function ready(g: TestGust, name: string, qualifier: string): Promise<GetProvisionedConcurrencyConfigCommandOutput> {
  return waitFor(
    `${name}:${qualifier} to be READY`,
    async () => {
      const got = await g.lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: qualifier }));
      return got.Status === 'READY' ? got : undefined;
    },
    30_000,
    50,
  );
}

describe('provisioned concurrency configuration API', () => {
  it('puts, gets, lists and deletes configurations on a version and an alias, in AWS shapes', async () => {
    t = await startTestGust();
    await published(t, 'pc');
    await t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'pc', Environment: { Variables: { SECOND: '1' } } }));
    await waitUntilFunctionUpdatedV2({ client: t.lambda, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { FunctionName: 'pc' });
    expect((await t.lambda.send(new PublishVersionCommand({ FunctionName: 'pc' }))).Version).toBe('2');
    await t.lambda.send(new CreateAliasCommand({ FunctionName: 'pc', Name: 'live', FunctionVersion: '1' }));

    const put = await t.lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'live', ProvisionedConcurrentExecutions: 1 }));
    expect(put.$metadata.httpStatusCode).toBe(202);
    expect(put).toMatchObject({ RequestedProvisionedConcurrentExecutions: 1, AvailableProvisionedConcurrentExecutions: 0, AllocatedProvisionedConcurrentExecutions: 0, Status: 'IN_PROGRESS' });
    expect(put.LastModified).toMatch(LAST_MODIFIED);
    expect(put.StatusReason).toBeUndefined();

    const got = await ready(t, 'pc', 'live');
    expect(got).toMatchObject({ RequestedProvisionedConcurrentExecutions: 1, AvailableProvisionedConcurrentExecutions: 1, AllocatedProvisionedConcurrentExecutions: 1, LastModified: put.LastModified });
    // The name's suffix works as the qualifier, as everywhere in the API.
    expect((await t.lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc:live', Qualifier: undefined as never }))).Status).toBe('READY');

    await t.lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '2', ProvisionedConcurrentExecutions: 1 }));
    const list = await t.lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'pc' }));
    expect(list.ProvisionedConcurrencyConfigs!.map((c) => [c.FunctionArn, c.RequestedProvisionedConcurrentExecutions])).toEqual([
      [`${ARN_PREFIX}pc:2`, 1],
      [`${ARN_PREFIX}pc:live`, 1],
    ]);
    const page = await t.lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'pc', MaxItems: 1 }));
    expect(page.ProvisionedConcurrencyConfigs).toHaveLength(1);
    expect(page.NextMarker).toBeDefined();

    const deleted = await t.lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '2' }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    // Deleting what is not there succeeds, as on AWS.
    await t.lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '2' }));
    await expectAwsError(
      t.lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '2' })),
      'ProvisionedConcurrencyConfigNotFoundException',
      404,
      'No Provisioned Concurrency Config found for this function',
    );

    // Deleting the alias deletes its configuration.
    await t.lambda.send(new DeleteAliasCommand({ FunctionName: 'pc', Name: 'live' }));
    expect((await t.lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'pc' }))).ProvisionedConcurrencyConfigs).toEqual([]);
  });

  it('refuses what AWS refuses, with its errors', async () => {
    t = await startTestGust();
    await published(t, 'pc');
    await t.lambda.send(new CreateAliasCommand({ FunctionName: 'pc', Name: 'live', FunctionVersion: '1' }));
    await t.lambda.send(new CreateAliasCommand({ FunctionName: 'pc', Name: 'head', FunctionVersion: '$LATEST' }));
    const put = (FunctionName: string, Qualifier: string, n = 1) => t!.lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName, Qualifier, ProvisionedConcurrentExecutions: n }));
    const arn = `${ARN_PREFIX}pc`;

    await expectAwsError(put('pc', '$LATEST'), 'InvalidParameterValueException', 400, 'Provisioned Concurrency Configs cannot be applied to unpublished function versions.');
    await expectAwsError(put('pc', 'head'), 'InvalidParameterValueException', 400, 'Provisioned Concurrency Configs cannot be applied to unpublished function versions.');
    await expectAwsError(
      put('pc', '1', 0),
      'ValidationException',
      400,
      "1 validation error detected: Value '0' at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    await expectAwsError(put('nope', 'noalias'), 'ResourceNotFoundException', 404, `Cannot find alias arn: ${ARN_PREFIX}nope:noalias`);
    await expectAwsError(put('nope', '1'), 'ResourceNotFoundException', 404, `Function not found: ${ARN_PREFIX}nope:1`);
    await expectAwsError(put('pc', 'missing'), 'ResourceNotFoundException', 404, `Cannot find alias arn: ${arn}:missing`);
    await expectAwsError(put('pc', '10'), 'ResourceNotFoundException', 404, `Function not found: ${arn}:10`);

    const latestMessage = 'The function resource provided must be an alias or a published version.';
    await expectAwsError(t.lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '$LATEST' })), 'InvalidParameterValueException', 400, latestMessage);
    await expectAwsError(t.lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '$LATEST' })), 'InvalidParameterValueException', 400, latestMessage);
    await expectAwsError(t.lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'noalias' })), 'ResourceNotFoundException', 404, `Cannot find alias arn: ${arn}:noalias`);
    await expectAwsError(t.lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '10' })), 'ResourceNotFoundException', 404, `Function not found: ${arn}:10`);
    await expectAwsError(t.lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'nope', Qualifier: '1' })), 'ResourceNotFoundException', 404, `Function not found: ${ARN_PREFIX}nope:1`);
    await expectAwsError(t.lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'nope' })), 'ResourceNotFoundException', 404, `Function not found: ${ARN_PREFIX}nope`);

    // A version and an alias routing to it cannot both be provisioned.
    await put('pc', '1');
    await expectAwsError(put('pc', 'live'), 'ResourceConflictException', 409, "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version");
    await t.lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '1' }));
    await put('pc', 'live');
    await expectAwsError(put('pc', '1'), 'ResourceConflictException', 409, 'Version is pointed by a Provisioned Concurrency alias');
  });

  it('counts against reserved and unreserved concurrency as AWS does', async () => {
    t = await startTestGust({ flags: { concurrencyLimit: '110' } });
    await published(t, 'free');
    await published(t, 'kept');
    const settings = async () => (await t!.lambda.send(new GetAccountSettingsCommand({}))).AccountLimit!;
    expect(await settings()).toMatchObject({ ConcurrentExecutions: 110, UnreservedConcurrentExecutions: 110 });

    // Without a reservation, provisioned concurrency comes out of the unreserved pool, which keeps its 100.
    await t.lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'free', Qualifier: '1', ProvisionedConcurrentExecutions: 2 }));
    expect(await settings()).toMatchObject({ UnreservedConcurrentExecutions: 108 });
    // GetFunctionConcurrency reports the reservation only; there is none.
    const concurrency = await t.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'free' }));
    expect(concurrency.ReservedConcurrentExecutions).toBeUndefined();
    await expectAwsError(
      t.lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'free', Qualifier: '1', ProvisionedConcurrentExecutions: 11 })),
      'InvalidParameterValueException',
      400,
      "Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
    );
    await expectAwsError(
      t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'kept', ReservedConcurrentExecutions: 9 })),
      'InvalidParameterValueException',
      400,
      "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
    );

    // With a reservation, provisioned concurrency is part of it.
    await t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'kept', ReservedConcurrentExecutions: 3 }));
    await t.lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'kept', Qualifier: '1', ProvisionedConcurrentExecutions: 2 }));
    expect(await settings()).toMatchObject({ UnreservedConcurrentExecutions: 105 });
    expect((await t.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'kept' }))).ReservedConcurrentExecutions).toBe(3);
    await expectAwsError(
      t.lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'kept', Qualifier: '1', ProvisionedConcurrentExecutions: 4 })),
      'InvalidParameterValueException',
      400,
      'Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function',
    );
    await expectAwsError(t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'kept', ReservedConcurrentExecutions: 1 })), 'InvalidParameterValueException', 400, /provisioned concurrency \[2\]/);

    await t.lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'free', Qualifier: '1' }));
    expect(await settings()).toMatchObject({ UnreservedConcurrentExecutions: 107 });
  });

  it('keeps configurations across a restart and provisions them again', async () => {
    const dataDir = newDataDir();
    t = await startTestGust({ dataDir, keepDataDir: true });
    await published(t, 'pc');
    await t.lambda.send(new CreateAliasCommand({ FunctionName: 'pc', Name: 'live', FunctionVersion: '1' }));
    const put = await t.lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'live', ProvisionedConcurrentExecutions: 1 }));
    await ready(t, 'pc', 'live');
    await t.stop();

    t = await startTestGust({ dataDir });
    try {
      const again = await ready(t, 'pc', 'live');
      expect(again).toMatchObject({ RequestedProvisionedConcurrentExecutions: 1, AllocatedProvisionedConcurrentExecutions: 1, LastModified: put.LastModified });
    } finally {
      await t.stop();
      await removeDataDir(dataDir);
    }
  });
});
