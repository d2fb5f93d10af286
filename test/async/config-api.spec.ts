/**
 * The event invoke config API through the real @aws-sdk/client-lambda: paths, methods and
 * codes from the SDK model, AWS's response shape (LastModified as epoch seconds, a
 * qualified FunctionArn, both DestinationConfig members), Put replacing and Update merging,
 * qualifiers, validation, refusal of destinations Gust cannot deliver to, persistence
 * across a restart, and DeadLetterConfig (a Lambda function ARN as a Gust extension).
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DeleteFunctionEventInvokeConfigCommand,
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  ListFunctionEventInvokeConfigsCommand,
  PublishVersionCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionConfigurationCommand,
  UpdateFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import { newDataDir, startTestGust, type TestGust } from '../helpers/gust.js';
import { ROLE, createFunction, expectAwsError, waitActive } from '../helpers/lambda.js';
import { makeZip } from '../helpers/zips.js';
import { ARN, RECORDER } from './support.js';

describe('event invoke config API', () => {
  const dataDir = newDataDir();
  let t: TestGust;

  beforeAll(async () => {
    t = await startTestGust({ dataDir });
    for (const name of ['cfg', 'dest']) await createFunction(t.lambda, name, { files: { 'index.js': RECORDER } });
    await t.lambda.send(new PublishVersionCommand({ FunctionName: 'cfg' }));
    await t.lambda.send(new CreateAliasCommand({ FunctionName: 'cfg', Name: 'live', FunctionVersion: '1' }));
  });
  afterAll(async () => {
    await t?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("Put answers AWS's shape; Get returns the same; LastModified is epoch seconds on the wire", async () => {
    const before = Date.now();
    const put = await t.lambda.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 3600, DestinationConfig: { OnSuccess: { Destination: `${ARN}:dest` } } }),
    );
    expect(put.$metadata.httpStatusCode).toBe(200);
    const { $metadata: _m, ...shape } = put;
    expect(shape).toEqual({
      LastModified: expect.any(Date),
      FunctionArn: `${ARN}:cfg:$LATEST`,
      MaximumRetryAttempts: 1,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnSuccess: { Destination: `${ARN}:dest` }, OnFailure: {} },
    });
    expect(put.LastModified!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(put.LastModified!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    const { $metadata: _g, ...got } = await t.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'cfg' }));
    expect(got).toEqual(shape);
    const raw = (await (await fetch(`${t.url}/2019-09-25/functions/cfg/event-invoke-config`)).json()) as { LastModified: unknown };
    expect(typeof raw.LastModified).toBe('number');
    expect(Math.abs((raw.LastModified as number) * 1000 - put.LastModified!.getTime())).toBeLessThan(1);
  });

  it('Put replaces (settings left out are removed); Update merges', async () => {
    await t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60, DestinationConfig: { OnFailure: { Destination: `${ARN}:dest` } } }));
    const replaced = await t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', MaximumRetryAttempts: 0 }));
    expect(replaced.MaximumRetryAttempts).toBe(0);
    expect(replaced.MaximumEventAgeInSeconds).toBeUndefined();
    expect(replaced.DestinationConfig).toEqual({ OnSuccess: {}, OnFailure: {} });
    await t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60, DestinationConfig: { OnFailure: { Destination: `${ARN}:dest` } } }));
    const merged = await t.lambda.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', MaximumRetryAttempts: 0 }));
    expect([merged.MaximumRetryAttempts, merged.MaximumEventAgeInSeconds, merged.DestinationConfig]).toEqual([0, 60, { OnSuccess: {}, OnFailure: { Destination: `${ARN}:dest` } }]);
    await expectAwsError(t.lambda.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'dest', MaximumRetryAttempts: 0 })), 'ResourceNotFoundException', 404, `The function ${ARN}:dest:$LATEST doesn't have an EventInvokeConfig`);
  });

  it('configures versions and aliases separately, by Qualifier or name suffix, and lists them', async () => {
    const alias = await t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg:live', MaximumRetryAttempts: 1 }));
    expect(alias.FunctionArn).toBe(`${ARN}:cfg:live`);
    const version = await t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', Qualifier: '1', MaximumEventAgeInSeconds: 120 }));
    expect(version.FunctionArn).toBe(`${ARN}:cfg:1`);
    expect((await t.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: `${ARN}:cfg`, Qualifier: 'live' }))).MaximumRetryAttempts).toBe(1);
    await expectAwsError(t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg:live', Qualifier: '1', MaximumRetryAttempts: 1 })), 'InvalidParameterValueException', 400);
    await expectAwsError(t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', Qualifier: 'nope', MaximumRetryAttempts: 1 })), 'ResourceNotFoundException', 404, "The function doesn't exist.");
    const list = await t.lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'cfg' }));
    expect(list.FunctionEventInvokeConfigs!.map((c) => c.FunctionArn)).toEqual([`${ARN}:cfg:$LATEST`, `${ARN}:cfg:1`, `${ARN}:cfg:live`]);
    const page = await t.lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'cfg', MaxItems: 2 }));
    expect(page.FunctionEventInvokeConfigs).toHaveLength(2);
    const rest = await t.lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'cfg', Marker: page.NextMarker! }));
    expect(rest.FunctionEventInvokeConfigs!.map((c) => c.FunctionArn)).toEqual([`${ARN}:cfg:live`]);
    await expectAwsError(t.lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'cfg', MaxItems: 51 })), 'ValidationException', 400);
    await expectAwsError(t.lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'nope' })), 'ResourceNotFoundException', 404);
  });

  it('validates as AWS does', async () => {
    await expectAwsError(t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg' })), 'InvalidParameterValueException', 400, 'You must specify at least one of error handling or destination setting.');
    await expectAwsError(
      t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', MaximumRetryAttempts: 3 })),
      'ValidationException',
      400,
      "1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2",
    );
    await expectAwsError(t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', MaximumEventAgeInSeconds: 59 })), 'ValidationException', 400, /greater than or equal to 60/);
    await expectAwsError(t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', MaximumEventAgeInSeconds: 21601 })), 'ValidationException', 400, /less than or equal to 21600/);
    await expectAwsError(
      t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', DestinationConfig: { OnSuccess: { Destination: `${ARN}:cfg` } } })),
      'InvalidParameterValueException',
      400,
      "You can't specify the function as a destination for itself.",
    );
    await expectAwsError(
      t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', DestinationConfig: { OnFailure: { Destination: `${ARN}:nowhere` } } })),
      'InvalidParameterValueException',
      400,
      `The destination ARN ${ARN}:nowhere is invalid.`,
    );
    await expectAwsError(t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', DestinationConfig: { OnFailure: { Destination: 'not-an-arn' } } })), 'ValidationException', 400, /destinationConfig\.onFailure\.destination/);
    await expectAwsError(t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'nope', MaximumRetryAttempts: 1 })), 'ResourceNotFoundException', 404, "The function doesn't exist.");
    const wrongType = await fetch(`${t.url}/2019-09-25/functions/cfg/event-invoke-config`, { method: 'PUT', body: JSON.stringify({ MaximumRetryAttempts: 'two' }) });
    expect([wrongType.status, wrongType.headers.get('x-amzn-errortype')]).toEqual([400, 'InvalidRequestContentException']);
  });

  it('refuses destinations Gust cannot deliver to at configuration time, saying why', async () => {
    for (const arn of ['arn:aws:sns:us-east-1:000000000000:t', 'arn:aws:events:us-east-1:000000000000:event-bus/default', 'arn:aws:s3:::b']) {
      await expectAwsError(
        t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', DestinationConfig: { OnFailure: { Destination: arn } } })),
        'InvalidParameterValueException',
        400,
        /is invalid\. Gust cannot deliver invocation records to an .* it delivers them to Lambda functions and SQS queues only\.$/,
      );
    }
  });

  it('Delete answers 204; then Get is a 404; configurations go with their function', async () => {
    const del = await t.lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', Qualifier: '1' }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    await expectAwsError(t.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', Qualifier: '1' })), 'ResourceNotFoundException', 404, `The function ${ARN}:cfg:1 doesn't have an EventInvokeConfig`);
    await expectAwsError(t.lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', Qualifier: '1' })), 'ResourceNotFoundException', 404);
    await createFunction(t.lambda, 'short-lived', { files: { 'index.js': RECORDER } });
    await t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'short-lived', MaximumRetryAttempts: 0 }));
    await t.lambda.send(new DeleteFunctionCommand({ FunctionName: 'short-lived' }));
    await createFunction(t.lambda, 'short-lived', { files: { 'index.js': RECORDER } });
    await expectAwsError(t.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'short-lived' })), 'ResourceNotFoundException', 404);
  });

  it('DeadLetterConfig: an SQS queue and a Lambda function ARN (Gust extension) are kept; SNS is refused, not dropped', async () => {
    await t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'cfg', DeadLetterConfig: { TargetArn: `${ARN}:dest` } }));
    await waitActive(t.lambda, 'cfg');
    expect((await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'cfg' }))).DeadLetterConfig).toEqual({ TargetArn: `${ARN}:dest` });
    await t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'cfg', DeadLetterConfig: { TargetArn: 'arn:aws:sqs:us-east-1:000000000000:dlq' } }));
    await waitActive(t.lambda, 'cfg');
    expect((await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'cfg' }))).DeadLetterConfig).toEqual({ TargetArn: 'arn:aws:sqs:us-east-1:000000000000:dlq' });
    await expectAwsError(
      t.lambda.send(
        new CreateFunctionCommand({ FunctionName: 'with-sns-dlq', Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: await makeZip({ 'index.js': RECORDER }) }, DeadLetterConfig: { TargetArn: 'arn:aws:sns:us-east-1:000000000000:t' } }),
      ),
      'InvalidParameterValueException',
      400,
    );
  });

  it('keeps configurations across a restart', async () => {
    const before = await t.lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'cfg' }));
    await t.stop();
    t = await startTestGust({ dataDir });
    const after = await t.lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'cfg' }));
    expect(after.FunctionEventInvokeConfigs).toEqual(before.FunctionEventInvokeConfigs);
    expect(after.FunctionEventInvokeConfigs!.length).toBe(2);
  });
});
