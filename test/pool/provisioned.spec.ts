/**
 * Provisioned concurrency with real environments, through the real SDK: READY means that
 * many runtime processes run (initialization type `provisioned-concurrency`); invokes of
 * the version or alias use them first, so the first invoke's REPORT has no Init Duration;
 * the keep-alive does not reap them; a weighted alias splits them by weight; a failing init
 * is FAILED with a StatusReason; deleting the configuration stops them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import {
  CreateAliasCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetProvisionedConcurrencyConfigCommand,
  PublishVersionCommand,
  PutProvisionedConcurrencyConfigCommand,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
  type GetProvisionedConcurrencyConfigCommandOutput,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { createFunction, invoke } from '../helpers/lambda.js';
import { reportOf } from '../helpers/invoke.js';
import { waitFor } from '../helpers/wait.js';

const HANDLER = `
exports.handler = async () => ({ type: process.env.AWS_LAMBDA_INITIALIZATION_TYPE, stream: process.env.AWS_LAMBDA_LOG_STREAM_NAME });
`;

let t: TestGust;

beforeAll(async () => {
  // A short keep-alive: on-demand environments go quickly, provisioned ones must stay.
  // No ready sandboxes: environments are told apart by the variables in /proc/<pid>/environ,
  // which a ready sandbox's runtime gets only after its exec (they show its start variables).
  t = await startTestGust({ flags: { keepAlive: '300ms', readySandboxes: '0' } });
});
afterAll(async () => {
  await t.stop();
});

/**
 * The log streams of the live environments of `functionName` started for provisioned
 * concurrency (one stream per environment), read from the host's /proc: the sandbox's
 * processes carry Lambda's variables in their environment.
 */
function provisionedEnvironments(functionName: string): Set<string> {
  return new Set(provisionedVersions(functionName).keys());
}

/** The version each provisioned environment of `functionName` runs, by log stream. */
function provisionedVersions(functionName: string): Map<string, string> {
  const streams = new Map<string, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let environ: string;
    try {
      if (readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.startsWith('Z')) continue;
      environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
    } catch {
      continue;
    }
    const vars = new Map(environ.split('\0').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    if (vars.get('AWS_LAMBDA_FUNCTION_NAME') === functionName && vars.get('AWS_LAMBDA_INITIALIZATION_TYPE') === 'provisioned-concurrency') {
      streams.set(vars.get('AWS_LAMBDA_LOG_STREAM_NAME')!, vars.get('AWS_LAMBDA_FUNCTION_VERSION')!);
    }
  }
  return streams;
}

function status(name: string, qualifier: string, wanted: string): Promise<GetProvisionedConcurrencyConfigCommandOutput> {
  return waitFor(
    `${name}:${qualifier} to be ${wanted}`,
    async () => {
      const got = await t.lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: qualifier }));
      return got.Status === wanted ? got : undefined;
    },
    60_000,
    50,
  );
}

describe('provisioned environments', () => {
  it('starts them ahead, serves the first invoke without a cold start, keeps them past the keep-alive and stops them on delete', async () => {
    await createFunction(t.lambda, 'warm', { files: { 'index.js': HANDLER } });
    await t.lambda.send(new PublishVersionCommand({ FunctionName: 'warm' }));
    await t.lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'warm', Qualifier: '1', ProvisionedConcurrentExecutions: 2 }));
    const ready = await status('warm', '1', 'READY');
    expect(ready).toMatchObject({ AllocatedProvisionedConcurrentExecutions: 2, AvailableProvisionedConcurrentExecutions: 2 });
    const streams = provisionedEnvironments('warm');
    expect(streams.size).toBe(2);

    const first = await invoke(t.lambda, 'warm', {}, { Qualifier: '1', LogType: 'Tail' });
    expect(first.json).toMatchObject({ type: 'provisioned-concurrency' });
    expect(streams.has((first.json as { stream: string }).stream)).toBe(true);
    expect(reportOf(first.log!).initDurationMs).toBeUndefined();

    // $LATEST has no provisioned concurrency: an on-demand cold start, which the keep-alive reaps.
    const latest = await invoke(t.lambda, 'warm', {}, { LogType: 'Tail' });
    expect(latest.json).toMatchObject({ type: 'on-demand' });
    expect(reportOf(latest.log!).initDurationMs).toBeGreaterThan(0);
    const onDemand = (latest.json as { stream: string }).stream;
    await waitFor('the on-demand environment to be reaped', () => (environmentStreams('warm').has(onDemand) ? undefined : true), 10_000);
    expect(provisionedEnvironments('warm')).toEqual(streams);

    await t.lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'warm', Qualifier: '1' }));
    await waitFor('the provisioned environments to stop', () => (provisionedEnvironments('warm').size === 0 ? true : undefined), 10_000);
    // Invokes of the version go on, on demand.
    const after = await invoke(t.lambda, 'warm', {}, { Qualifier: '1' });
    expect(after.json).toMatchObject({ type: 'on-demand' });
  });

  it("provisions an alias's version, and lets it go when the alias moves", async () => {
    await createFunction(t.lambda, 'aliased', { files: { 'index.js': HANDLER } });
    await t.lambda.send(new PublishVersionCommand({ FunctionName: 'aliased' }));
    await t.lambda.send(new CreateAliasCommand({ FunctionName: 'aliased', Name: 'live', FunctionVersion: '1' }));
    await t.lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'aliased', Qualifier: 'live', ProvisionedConcurrentExecutions: 1 }));
    await status('aliased', 'live', 'READY');
    const viaAlias = await invoke(t.lambda, 'aliased', {}, { Qualifier: 'live', LogType: 'Tail' });
    expect(viaAlias.json).toMatchObject({ type: 'provisioned-concurrency' });
    expect(viaAlias.executedVersion).toBe('1');
    expect(reportOf(viaAlias.log!).initDurationMs).toBeUndefined();
    const before = provisionedEnvironments('aliased');

    // Pointed elsewhere, the alias's configuration no longer holds version 1's environment.
    await t.lambda.send(new UpdateAliasCommand({ FunctionName: 'aliased', Name: 'live', FunctionVersion: '$LATEST' }));
    await waitFor('the old version to be let go', () => (provisionedEnvironments('aliased').size === 0 ? true : undefined), 10_000);
    expect(before.size).toBe(1);
  });

  it("splits a weighted alias's environments between its versions by weight", async () => {
    await createFunction(t.lambda, 'weighted', { files: { 'index.js': HANDLER } });
    await t.lambda.send(new PublishVersionCommand({ FunctionName: 'weighted' }));
    await t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'weighted', Environment: { Variables: { SECOND: '2' } } }));
    await waitUntilFunctionUpdatedV2({ client: t.lambda, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { FunctionName: 'weighted' });
    expect((await t.lambda.send(new PublishVersionCommand({ FunctionName: 'weighted' }))).Version).toBe('2');
    await t.lambda.send(new CreateAliasCommand({ FunctionName: 'weighted', Name: 'canary', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.25 } } }));
    await t.lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'weighted', Qualifier: 'canary', ProvisionedConcurrentExecutions: 4 }));
    expect(await status('weighted', 'canary', 'READY')).toMatchObject({ AllocatedProvisionedConcurrentExecutions: 4 });
    expect([...provisionedVersions('weighted').values()].sort()).toEqual(['1', '1', '1', '2']);
  });

  it('reports a function whose init fails as FAILED, with a StatusReason', async () => {
    await createFunction(t.lambda, 'broken', { files: { 'index.js': "throw new Error('init fails');\n" } });
    await t.lambda.send(new PublishVersionCommand({ FunctionName: 'broken' }));
    await t.lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'broken', Qualifier: '1', ProvisionedConcurrentExecutions: 1 }));
    const failed = await status('broken', '1', 'FAILED');
    expect(failed).toMatchObject({ AllocatedProvisionedConcurrentExecutions: 0, StatusReason: 'FUNCTION_ERROR_INIT_FAILURE: Error' });
    expect(provisionedEnvironments('broken').size).toBe(0);
  });
});

/** The log streams of every live environment of `functionName`, provisioned or not. */
function environmentStreams(functionName: string): Set<string> {
  const streams = new Set<string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.startsWith('Z')) continue;
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (!environ.includes(`AWS_LAMBDA_FUNCTION_NAME=${functionName}`)) continue;
      const stream = environ.find((kv) => kv.startsWith('AWS_LAMBDA_LOG_STREAM_NAME='));
      if (stream) streams.add(stream.slice('AWS_LAMBDA_LOG_STREAM_NAME='.length));
    } catch {
      continue;
    }
  }
  return streams;
}
