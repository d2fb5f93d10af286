/**
 * List operations: ListFunctions (default and FunctionVersion=ALL),
 * ListVersionsByFunction and ListAliases, paged with MaxItems and opaque markers, by
 * hand and with the SDK's paginators.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  ListAliasesCommand,
  ListFunctionsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
  paginateListFunctions,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { ARN_PREFIX, expectAwsError, ROLE } from '../helpers/lambda.js';
import { makeZip } from '../helpers/zips.js';

const NAMES = Array.from({ length: 25 }, (_, i) => `fn-${String(i).padStart(2, '0')}`);

describe('pagination', () => {
  let t: TestGust;

  beforeAll(async () => {
    t = await startTestGust();
    const zip = await makeZip();
    // Created out of order: listing sorts by name.
    for (const FunctionName of [...NAMES].reverse()) {
      await t.lambda.send(new CreateFunctionCommand({ FunctionName, Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: zip } }));
    }
    // fn-03 gets versions 1..3, fn-07 gets version 1.
    for (let i = 1; i <= 3; i++) {
      await t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn-03', Timeout: i + 1 }));
      await t.lambda.send(new PublishVersionCommand({ FunctionName: 'fn-03' }));
    }
    await t.lambda.send(new PublishVersionCommand({ FunctionName: 'fn-07' }));
  });
  afterAll(async () => {
    await t.stop();
  });

  it('pages ListFunctions 10 at a time with a NextMarker', async () => {
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let Marker: string | undefined;
    do {
      const page = await t.lambda.send(new ListFunctionsCommand({ MaxItems: 10, Marker }));
      pageSizes.push(page.Functions!.length);
      seen.push(...page.Functions!.map((f) => f.FunctionName!));
      Marker = page.NextMarker;
    } while (Marker);
    expect(pageSizes).toEqual([10, 10, 5]);
    expect(seen).toEqual(NAMES);
  });

  it('lists $LATEST only by default, with unqualified ARNs and no state fields', async () => {
    const all = await t.lambda.send(new ListFunctionsCommand({}));
    expect(all.NextMarker).toBeUndefined();
    expect(all.Functions).toHaveLength(25);
    const first = all.Functions![0]!;
    expect(first).toMatchObject({ FunctionName: 'fn-00', FunctionArn: `${ARN_PREFIX}fn-00`, Version: '$LATEST' });
    expect(first.State).toBeUndefined();
    expect(first.LastUpdateStatus).toBeUndefined();
  });

  it('lists every version with FunctionVersion=ALL, paged the same way', async () => {
    const full = await t.lambda.send(new ListFunctionsCommand({ FunctionVersion: 'ALL' }));
    const arns = full.Functions!.map((f) => f.FunctionArn);
    expect(arns).toHaveLength(25 + 3 + 1);
    expect(arns.slice(3, 7)).toEqual([`${ARN_PREFIX}fn-03:$LATEST`, `${ARN_PREFIX}fn-03:1`, `${ARN_PREFIX}fn-03:2`, `${ARN_PREFIX}fn-03:3`]);
    expect(full.Functions!.find((f) => f.FunctionArn === `${ARN_PREFIX}fn-03:2`)?.Timeout).toBe(3);

    const paged: FunctionConfiguration[] = [];
    for await (const page of paginateListFunctions({ client: t.lambda, pageSize: 7 }, { FunctionVersion: 'ALL' })) {
      expect(page.Functions!.length).toBeLessThanOrEqual(7);
      paged.push(...page.Functions!);
    }
    expect(paged.map((f) => f.FunctionArn)).toEqual(arns);
  });

  it('pages ListVersionsByFunction and ListAliases', async () => {
    const first = await t.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'fn-03', MaxItems: 3 }));
    expect(first.Versions!.map((v) => v.Version)).toEqual(['$LATEST', '1', '2']);
    expect(first.Versions![0]!.FunctionArn).toBe(`${ARN_PREFIX}fn-03:$LATEST`);
    const second = await t.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'fn-03', MaxItems: 3, Marker: first.NextMarker }));
    expect(second.Versions!.map((v) => v.Version)).toEqual(['3']);
    expect(second.NextMarker).toBeUndefined();

    for (const name of ['zeta', 'alpha', 'mid']) {
      await t.lambda.send(new CreateAliasCommand({ FunctionName: 'fn-03', Name: name, FunctionVersion: name === 'mid' ? '2' : '1' }));
    }
    const a1 = await t.lambda.send(new ListAliasesCommand({ FunctionName: 'fn-03', MaxItems: 2 }));
    expect(a1.Aliases!.map((a) => a.Name)).toEqual(['alpha', 'mid']);
    const a2 = await t.lambda.send(new ListAliasesCommand({ FunctionName: 'fn-03', MaxItems: 2, Marker: a1.NextMarker }));
    expect(a2.Aliases!.map((a) => a.Name)).toEqual(['zeta']);
    const onV1 = await t.lambda.send(new ListAliasesCommand({ FunctionName: 'fn-03', FunctionVersion: '1' }));
    expect(onV1.Aliases!.map((a) => a.Name)).toEqual(['alpha', 'zeta']);
  });

  it('refuses bad paging parameters', async () => {
    await expectAwsError(t.lambda.send(new ListFunctionsCommand({ MaxItems: 0 })), 'ValidationException', 400);
    await expectAwsError(t.lambda.send(new ListFunctionsCommand({ MaxItems: 10001 })), 'ValidationException', 400);
    await expectAwsError(t.lambda.send(new ListFunctionsCommand({ Marker: 'not-a-marker' })), 'InvalidParameterValueException', 400);
    await expectAwsError(
      t.lambda.send(new ListFunctionsCommand({ FunctionVersion: 'LATEST' as 'ALL' })),
      'ValidationException',
      400,
      "1 validation error detected: Value 'LATEST' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]",
    );
    await expectAwsError(t.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'missing' })), 'ResourceNotFoundException', 404);
  });
});
