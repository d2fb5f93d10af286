/**
 * Durability: everything the control plane answers (functions, versions, aliases,
 * reserved concurrency, tags, account usage) reads back identical from a new server
 * started on the same data directory.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  GetAccountSettingsCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  ListAliasesCommand,
  ListFunctionsCommand,
  ListTagsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  TagResourceCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { newDataDir, startTestGust } from '../helpers/gust.js';
import { ROLE } from '../helpers/lambda.js';
import { makeZip } from '../helpers/zips.js';

const WAIT = { maxWaitTime: 10, minDelay: 1, maxDelay: 1 };

/** Everything a client can read about the account, with code locations reduced to their path. */
async function snapshot(lambda: LambdaClient): Promise<unknown> {
  const all = await lambda.send(new ListFunctionsCommand({ FunctionVersion: 'ALL' }));
  const names = [...new Set(all.Functions!.map((f) => f.FunctionName!))];
  const functions: Record<string, unknown> = {};
  for (const name of names) {
    const versions = (await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name }))).Versions!;
    const gets = [];
    for (const v of versions) {
      const { $metadata: _m, ...got } = await lambda.send(new GetFunctionCommand({ FunctionName: name, Qualifier: v.Version }));
      gets.push({ ...got, Code: { ...got.Code, Location: new URL(got.Code!.Location!).pathname } });
    }
    const aliases = (await lambda.send(new ListAliasesCommand({ FunctionName: name }))).Aliases!;
    const aliasGets = [];
    for (const a of aliases) {
      const { $metadata: _m, ...alias } = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: a.Name }));
      aliasGets.push(alias);
    }
    functions[name] = {
      versions,
      gets,
      aliases,
      aliasGets,
      concurrency: (await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: name }))).ReservedConcurrentExecutions ?? null,
      tags: (await lambda.send(new ListTagsCommand({ Resource: versions[0]!.FunctionArn!.replace(/:\$LATEST$/, '') }))).Tags,
    };
  }
  const { $metadata: _m, ...settings } = await lambda.send(new GetAccountSettingsCommand({}));
  return { list: all.Functions, functions, settings };
}

describe('restart', () => {
  const dataDir = newDataDir();
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('reads back everything identical from the same data directory', async () => {
    const first = await startTestGust({ dataDir });
    let before: unknown;
    try {
      const { lambda } = first;
      const zip = await makeZip();
      const otherZip = await makeZip({ 'main.py': 'def handler(e, c):\n    return 1\n' });
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'keep-a',
          Runtime: 'nodejs22.x',
          Role: ROLE,
          Handler: 'index.handler',
          Code: { ZipFile: zip },
          Environment: { Variables: { AA: '1', BB: 'two' } },
          Tags: { owner: 'me' },
          Timeout: 12,
          MemorySize: 1024,
          EphemeralStorage: { Size: 2048 },
          Architectures: ['arm64'],
          LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'DEBUG' },
          TracingConfig: { Mode: 'Active' },
          DeadLetterConfig: { TargetArn: 'arn:aws:lambda:us-east-1:000000000000:function:dlq' },
        }),
      );
      await lambda.send(new CreateFunctionCommand({ FunctionName: 'keep-b', Runtime: 'python3.12', Role: ROLE, Handler: 'main.handler', Code: { ZipFile: otherZip }, Publish: true }));
      await waitUntilFunctionActiveV2({ client: lambda, ...WAIT }, { FunctionName: 'keep-a' });
      await lambda.send(new PublishVersionCommand({ FunctionName: 'keep-a', Description: 'v1' }));
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'keep-a', Description: 'changed', Timeout: 20 }));
      await waitUntilFunctionUpdatedV2({ client: lambda, ...WAIT }, { FunctionName: 'keep-a' });
      await lambda.send(new PublishVersionCommand({ FunctionName: 'keep-a' }));
      await lambda.send(new CreateAliasCommand({ FunctionName: 'keep-a', Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.3 } } }));
      await lambda.send(new CreateAliasCommand({ FunctionName: 'keep-a', Name: 'dev', FunctionVersion: '$LATEST', Description: 'tip' }));
      await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'keep-a', ReservedConcurrentExecutions: 42 }));
      await lambda.send(new TagResourceCommand({ Resource: 'arn:aws:lambda:us-east-1:000000000000:function:keep-b', Tags: { team: 'b' } }));
      for (const [FunctionName, Qualifier] of [['keep-a', '1'], ['keep-a', '2'], ['keep-b', '1'], ['keep-b', undefined]] as const) {
        await waitUntilFunctionActiveV2({ client: lambda, ...WAIT }, { FunctionName, Qualifier });
      }
      before = await snapshot(lambda);
      expect(Object.keys((before as { functions: object }).functions)).toEqual(['keep-a', 'keep-b']);
    } finally {
      await first.stop();
    }

    const second = await startTestGust({ dataDir });
    try {
      expect(await snapshot(second.lambda)).toEqual(before);
      // And the restarted server carries on: version numbers continue, writes work.
      await second.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'keep-a', Timeout: 21 }));
      await waitUntilFunctionUpdatedV2({ client: second.lambda, ...WAIT }, { FunctionName: 'keep-a' });
      expect((await second.lambda.send(new PublishVersionCommand({ FunctionName: 'keep-a' }))).Version).toBe('3');
    } finally {
      await second.stop();
    }
  });
});
