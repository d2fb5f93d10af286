/**
 * EventInvokeConfigService on the real embedded stores with a manual clock: AWS's
 * validation and messages, Put replacing and Update merging, qualifiers, the settings the
 * queue reads, and configurations following their function, version or alias out of
 * existence (by change event, and at load after a crash). Also the dead-letter target check.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../core/clock.js';
import { LambdaError } from '../core/errors.js';
import { SqliteEventQueue } from '../store/sqlite/sqlite-event-queue.js';
import { EventInvokeConfigService, type EventInvokeConfigInput } from './event-invoke-config-service.js';
import { checkDeadLetterTarget } from './event-invoke-config-validation.js';
import type { FunctionService } from './function-service.js';
import { failure, handlerZip, nodeFunction, openFunctionFixture, settle, TEST_PARTITION as PARTITION, type FunctionFixture } from '../../test/helpers/functions.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';

describe('EventInvokeConfigService', () => {
  let fixture: FunctionFixture;
  let dir: string;
  let queue: SqliteEventQueue;
  let clock: ManualClock;
  let functions: FunctionService;
  let configs: EventInvokeConfigService;
  const fn = (name: string, qualifier?: string) => (qualifier === undefined ? { name } : { name, qualifier });
  const put = (over: Partial<EventInvokeConfigInput>) => configs.put({ function: fn('f'), ...over });

  beforeEach(async () => {
    fixture = await openFunctionFixture({ startMs: Date.UTC(2026, 0, 2, 3, 4, 5, 678) });
    ({ dir, clock, functions } = fixture);
    queue = SqliteEventQueue.open(join(dir, 'queue.db'));
    configs = new EventInvokeConfigService({ store: queue, functions, partition: PARTITION, clock });
    const zip = await handlerZip();
    for (const name of ['f', 'g']) await functions.createFunction(nodeFunction(name, zip));
    await settle();
    await functions.publishVersion({ functionName: 'f' });
    await functions.createAlias({ functionName: 'f', name: 'live', functionVersion: '1' });
  });
  afterEach(async () => {
    configs.close();
    await settle();
    await queue.close();
    await fixture.close();
  });

  it('applies AWS defaults until a configuration says otherwise, per qualifier', async () => {
    expect(configs.settingsFor('f', undefined)).toEqual({ maximumRetryAttempts: 2, maximumEventAgeInSeconds: 21600 });
    await put({ maximumRetryAttempts: 0, destinationConfig: { onFailure: { destination: `${ARN}:g` } } });
    await put({ qualifier: 'live', maximumEventAgeInSeconds: 60 });
    expect(configs.settingsFor('f', undefined)).toEqual({ maximumRetryAttempts: 0, maximumEventAgeInSeconds: 21600, onFailure: `${ARN}:g` });
    expect(configs.settingsFor('f', '$LATEST')).toEqual(configs.settingsFor('f', undefined));
    expect(configs.settingsFor('f', 'live')).toEqual({ maximumRetryAttempts: 2, maximumEventAgeInSeconds: 60 });
    expect(configs.settingsFor('f', '1')).toEqual({ maximumRetryAttempts: 2, maximumEventAgeInSeconds: 21600 });
  });

  it('Put replaces, Update merges, with the clock as LastModified', async () => {
    await put({ maximumRetryAttempts: 2, maximumEventAgeInSeconds: 60, destinationConfig: { onSuccess: { destination: `${ARN}:g` }, onFailure: { destination: `${ARN}:g:$LATEST` } } });
    const replaced = await put({ maximumRetryAttempts: 0 });
    expect(replaced).toEqual({ functionName: 'f', qualifier: '$LATEST', maximumRetryAttempts: 0, lastModified: clock.now() });
    await put({ maximumRetryAttempts: 2, maximumEventAgeInSeconds: 60, destinationConfig: { onSuccess: { destination: `${ARN}:g` }, onFailure: { destination: `${ARN}:g` } } });
    clock.advance(1500);
    const merged = await configs.update({ function: fn('f'), maximumRetryAttempts: 1, destinationConfig: { onSuccess: {} } });
    expect(merged).toEqual({ functionName: 'f', qualifier: '$LATEST', maximumRetryAttempts: 1, maximumEventAgeInSeconds: 60, onFailure: `${ARN}:g`, lastModified: clock.now() });
    expect(configs.get(fn('f'))).toEqual(merged);
  });

  it('addresses qualifiers by parameter or name suffix, and refuses mismatches and unknown ones', async () => {
    await configs.put({ function: fn('f', 'live'), maximumRetryAttempts: 1 });
    expect(configs.get(fn('f'), 'live').maximumRetryAttempts).toBe(1);
    await configs.put({ function: fn('f', '1'), qualifier: '1', maximumRetryAttempts: 0 });
    expect(await failure(configs.put({ function: fn('f', '1'), qualifier: '$LATEST', maximumRetryAttempts: 1 }))).toEqual({
      type: 'InvalidParameterValueException',
      message: 'The derived qualifier from the function name does not match the specified qualifier.',
    });
    expect(await failure(put({ qualifier: 'nope', maximumRetryAttempts: 1 }))).toEqual({ type: 'ResourceNotFoundException', message: "The function doesn't exist." });
    expect(await failure(put({ qualifier: '7', maximumRetryAttempts: 1 }))).toEqual({ type: 'ResourceNotFoundException', message: "The function doesn't exist." });
    expect(await failure(configs.put({ function: fn('nope'), maximumRetryAttempts: 1 }))).toEqual({ type: 'ResourceNotFoundException', message: "The function doesn't exist." });
    expect(configs.list('f', {}).items.map((c) => c.qualifier)).toEqual(['1', 'live']);
  });

  it("validates as AWS does, with AWS's messages", async () => {
    expect(await failure(put({}))).toEqual({ type: 'InvalidParameterValueException', message: 'You must specify at least one of error handling or destination setting.' });
    expect(await failure(put({ maximumRetryAttempts: 3 }))).toEqual({
      type: 'ValidationException',
      message: "1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2",
    });
    expect((await failure(put({ maximumRetryAttempts: -1 }))).type).toBe('ValidationException');
    expect((await failure(put({ maximumEventAgeInSeconds: 59 }))).message).toContain('greater than or equal to 60');
    expect((await failure(put({ maximumEventAgeInSeconds: 21601 }))).message).toContain('less than or equal to 21600');
    expect((await failure(put({ destinationConfig: { onFailure: { destination: 'arn:aws:_-/!lambda:x' } } }))).message).toMatch(
      /^1 validation error detected: Value 'arn:aws:_-\/!lambda:x' at 'destinationConfig.onFailure.destination' failed to satisfy constraint: Member must satisfy regular expression pattern/,
    );
    expect(await failure(put({ destinationConfig: { onSuccess: { destination: `${ARN}:f` } } }))).toEqual({
      type: 'InvalidParameterValueException',
      message: "You can't specify the function as a destination for itself.",
    });
    expect(await failure(put({ destinationConfig: { onSuccess: { destination: `${ARN}:missing` } } }))).toEqual({
      type: 'InvalidParameterValueException',
      message: `The destination ARN ${ARN}:missing is invalid.`,
    });
    expect((await failure(put({ destinationConfig: { onSuccess: { destination: `${ARN}:g:9` } } }))).message).toBe(`The destination ARN ${ARN}:g:9 is invalid.`);
    expect((await failure(put({ destinationConfig: { onSuccess: { destination: 'arn:aws:lambda:eu-west-1:000000000000:function:g' } } }))).type).toBe('InvalidParameterValueException');
    expect(await failure(put({ destinationConfig: { onSuccess: { destination: 'arn:aws:iam::000000000000:role/x' } } }))).toEqual({
      type: 'InvalidParameterValueException',
      message: 'The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=arn:aws:iam::000000000000:role/x), onFailure=null) is invalid.',
    });
    // Gust refuses what it cannot deliver to at configuration time, and says why.
    for (const arn of ['arn:aws:sqs:us-east-1:000000000000:q', 'arn:aws:sns:us-east-1:000000000000:t', 'arn:aws:events:us-east-1:000000000000:event-bus/default', 'arn:aws:s3:::bucket']) {
      const f = await failure(put({ destinationConfig: { onFailure: { destination: arn } } }));
      expect(f.type).toBe('InvalidParameterValueException');
      expect(f.message).toContain(`onFailure=OnFailure(destination=${arn})) is invalid. Gust cannot deliver invocation records to an`);
      expect(f.message).toContain('Lambda functions only');
    }
    // Empty destinations are allowed and mean none.
    expect(await put({ destinationConfig: { onSuccess: {}, onFailure: { destination: '' } } })).toEqual({ functionName: 'f', qualifier: '$LATEST', lastModified: clock.now() });
    expect(await failure(configs.update({ function: fn('g'), maximumRetryAttempts: 1 }))).toEqual({
      type: 'ResourceNotFoundException',
      message: `The function ${ARN}:g:$LATEST doesn't have an EventInvokeConfig`,
    });
  });

  it('Get, Delete and List report what is missing as AWS does', async () => {
    expect(await failure(() => configs.get(fn('f')))).toEqual({ type: 'ResourceNotFoundException', message: `The function ${ARN}:f:$LATEST doesn't have an EventInvokeConfig` });
    expect(await failure(() => configs.get(fn('nope')))).toEqual({ type: 'ResourceNotFoundException', message: `The function ${ARN}:nope:$LATEST doesn't have an EventInvokeConfig` });
    expect(await failure(configs.delete(fn('f'), 'live'))).toEqual({ type: 'ResourceNotFoundException', message: `The function ${ARN}:f:live doesn't have an EventInvokeConfig` });
    expect(await failure(() => configs.list('nope', {}))).toEqual({ type: 'ResourceNotFoundException', message: "The function doesn't exist." });
    await put({ maximumRetryAttempts: 1 });
    await put({ qualifier: 'live', maximumRetryAttempts: 1 });
    await put({ qualifier: '1', maximumRetryAttempts: 1 });
    const first = configs.list('f', { maxItems: 2 });
    expect(first.items.map((c) => c.qualifier)).toEqual(['$LATEST', '1']);
    expect(configs.list('f', { marker: first.nextMarker! }).items.map((c) => c.qualifier)).toEqual(['live']);
    await configs.delete(fn('f'), '$LATEST');
    expect(configs.list('f', {}).items.map((c) => c.qualifier)).toEqual(['1', 'live']);
  });

  it('forgets configurations of deleted aliases, versions and functions, in memory and in the store', async () => {
    await put({ maximumRetryAttempts: 1 });
    await put({ qualifier: 'live', maximumRetryAttempts: 1 });
    await put({ qualifier: '1', maximumRetryAttempts: 1 });
    await configs.put({ function: fn('g'), maximumRetryAttempts: 0 });
    await functions.deleteAlias('f', 'live');
    await functions.deleteFunction('f', '1');
    await settle();
    expect(configs.list('f', {}).items.map((c) => c.qualifier)).toEqual(['$LATEST']);
    await functions.deleteFunction('f');
    await settle();
    expect((await queue.listConfigs()).map((c) => `${c.functionName}:${c.qualifier}`)).toEqual(['g:$LATEST']);
  });

  it('drops configurations whose target vanished while the server was down', async () => {
    await queue.write([{ kind: 'putConfig', config: { functionName: 'gone', qualifier: '$LATEST', maximumRetryAttempts: 1, lastModified: 0 } }]);
    await queue.write([{ kind: 'putConfig', config: { functionName: 'g', qualifier: '$LATEST', maximumRetryAttempts: 1, lastModified: 0 } }]);
    const fresh = new EventInvokeConfigService({ store: queue, functions, partition: PARTITION, clock });
    await fresh.load();
    expect(fresh.settingsFor('g', undefined).maximumRetryAttempts).toBe(1);
    expect((await queue.listConfigs()).map((c) => c.functionName)).toEqual(['g']);
    fresh.close();
  });
});

describe('checkDeadLetterTarget', () => {
  it('accepts an SQS queue, a Lambda function ARN (a Gust extension) and the empty string, and refuses topics with a clear message', () => {
    expect(() => checkDeadLetterTarget(`${ARN}:dlq`)).not.toThrow();
    expect(() => checkDeadLetterTarget(`${ARN}:dlq:live`)).not.toThrow();
    expect(() => checkDeadLetterTarget('')).not.toThrow();
    expect(() => checkDeadLetterTarget('arn:aws:sqs:us-east-1:000000000000:dlq')).not.toThrow();
    expect(() => checkDeadLetterTarget('arn:aws:sqs:us-east-1:000000000000:dlq.fifo')).not.toThrow();
    expect(() => checkDeadLetterTarget('arn:aws:sqs:us-east-1:000000000000:bad name')).toThrow(LambdaError);
    expect(() => checkDeadLetterTarget('arn:aws:sns:us-east-1:000000000000:t')).toThrow(/not supported by Gust, which has no Amazon SNS topic\. Gust sends discarded events to an SQS queue/);
  });
});
