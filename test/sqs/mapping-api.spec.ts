/**
 * Event source mappings through the real `@aws-sdk/client-lambda`: the SDK model's fields,
 * AWS's validation for SQS sources with its error types and messages, the State lifecycle
 * (Creating → Enabled, Disabling → Disabled, Updating, Deleting → gone), qualified function
 * ARNs, and List's filters and pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateAliasCommand,
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  ListEventSourceMappingsCommand,
  PublishVersionCommand,
  UpdateEventSourceMappingCommand,
  type CreateEventSourceMappingCommandInput,
} from '@aws-sdk/client-lambda';
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { ARN_PREFIX, createFunction, expectAwsError } from '../helpers/lambda.js';
import { waitFor } from '../helpers/wait.js';
import { QUEUE_ARN_PREFIX, sqsClient } from './support.js';

const NOOP = 'exports.handler = async () => {};';

describe('event source mappings: the API', () => {
  let t: TestGust;
  let sqs: SQSClient;

  beforeAll(async () => {
    t = await startTestGust();
    sqs = sqsClient(t);
    await createFunction(t.lambda, 'target', { files: { 'index.js': NOOP }, Timeout: 10 });
    await t.lambda.send(new PublishVersionCommand({ FunctionName: 'target' }));
    await t.lambda.send(new CreateAliasCommand({ FunctionName: 'target', Name: 'live', FunctionVersion: '1' }));
    await sqs.send(new CreateQueueCommand({ QueueName: 'src', Attributes: { VisibilityTimeout: '30' } }));
    await sqs.send(new CreateQueueCommand({ QueueName: 'src2' }));
    await sqs.send(new CreateQueueCommand({ QueueName: 'short', Attributes: { VisibilityTimeout: '5' } }));
    await sqs.send(new CreateQueueCommand({ QueueName: 'src.fifo', Attributes: { FifoQueue: 'true' } }));
  });
  afterAll(async () => {
    sqs?.destroy();
    await t?.stop();
  });

  const create = (input: Partial<CreateEventSourceMappingCommandInput>) =>
    t.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'target', EventSourceArn: `${QUEUE_ARN_PREFIX}src`, ...input } as CreateEventSourceMappingCommandInput));

  const settled = (uuid: string, state: string) =>
    waitFor(`mapping ${uuid} ${state}`, async () => {
      const m = await t.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
      return m.State === state ? m : undefined;
    });

  it('refuses what AWS refuses, with its types and messages', async () => {
    await expectAwsError(create({ FunctionName: 'missing' }), 'ResourceNotFoundException', 404, `Function not found: ${ARN_PREFIX}missing`);
    await expectAwsError(create({ EventSourceArn: `${QUEUE_ARN_PREFIX}nope` }), 'InvalidParameterValueException', 400,
      'Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist for this wsdl version.');
    await expectAwsError(create({ EventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s' }), 'InvalidParameterValueException', 400, /SQS queues only/);
    await expectAwsError(create({ EventSourceArn: 'not-an-arn' }), 'ValidationException', 400, /eventSourceArn/);
    await expectAwsError(create({ BatchSize: 11 }), 'InvalidParameterValueException', 400, 'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10');
    await expectAwsError(create({ BatchSize: 10_001, MaximumBatchingWindowInSeconds: 1 }), 'ValidationException', 400, /batchSize' failed to satisfy constraint: Member must have value less than or equal to 10000/);
    await expectAwsError(create({ EventSourceArn: `${QUEUE_ARN_PREFIX}src.fifo`, BatchSize: 11, MaximumBatchingWindowInSeconds: 1 }), 'InvalidParameterValueException', 400, /FIFO/);
    await expectAwsError(create({ MaximumBatchingWindowInSeconds: 301 }), 'ValidationException', 400);
    await expectAwsError(create({ ScalingConfig: { MaximumConcurrency: 1 } }), 'ValidationException', 400, /scalingConfig.maximumConcurrency' failed to satisfy constraint: Member must have value greater than or equal to 2/);
    await expectAwsError(create({ FunctionResponseTypes: ['Bogus' as 'ReportBatchItemFailures'] }), 'ValidationException', 400, /enum value set: \[ReportBatchItemFailures\]/);
    await expectAwsError(create({ StartingPosition: 'LATEST' }), 'InvalidParameterValueException', 400, 'Unsupported StartingPosition parameter for given event source mapping type.');
    await expectAwsError(create({ FilterCriteria: { Filters: [{ Pattern: '{"body": "not-an-array"}' }] } }), 'InvalidParameterValueException', 400, 'Invalid filter pattern definition.');
    await expectAwsError(create({ DestinationConfig: { OnSuccess: { Destination: `${QUEUE_ARN_PREFIX}src2` } } }), 'InvalidParameterValueException', 400, 'Unsupported DestinationConfig parameter for given event source mapping type.');
    await expectAwsError(create({ DestinationConfig: { OnFailure: { Destination: `${ARN_PREFIX}target` } } }), 'InvalidParameterValueException', 400, /is invalid/);
    await expectAwsError(create({ EventSourceArn: `${QUEUE_ARN_PREFIX}short` }), 'InvalidParameterValueException', 400, 'Queue visibility timeout: 5 seconds is less than Function timeout: 10 seconds');
    await expectAwsError(t.lambda.send(new GetEventSourceMappingCommand({ UUID: '00000000-0000-0000-0000-000000000000' })), 'ResourceNotFoundException', 404, 'The resource you requested does not exist.');
    expect((await t.lambda.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings).toEqual([]);
  });

  it('creates with the model fields, settles to Enabled, and refuses a second mapping of the same queue and function', async () => {
    const created = await create({
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 2,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 7 },
      FilterCriteria: { Filters: [{ Pattern: '{"body":{"kind":["a"]}}' }] },
      DestinationConfig: { OnFailure: { Destination: `${QUEUE_ARN_PREFIX}src2` } },
    });
    expect(created).toMatchObject({
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 2,
      EventSourceArn: `${QUEUE_ARN_PREFIX}src`,
      FunctionArn: `${ARN_PREFIX}target`,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 7 },
      FilterCriteria: { Filters: [{ Pattern: '{"body":{"kind":["a"]}}' }] },
      DestinationConfig: { OnFailure: { Destination: `${QUEUE_ARN_PREFIX}src2` } },
      State: 'Creating',
      StateTransitionReason: 'USER_INITIATED',
      LastProcessingResult: 'No records processed',
      EventSourceMappingArn: `arn:aws:lambda:us-east-1:000000000000:event-source-mapping:${created.UUID}`,
    });
    expect(created.LastModified).toBeInstanceOf(Date);
    await settled(created.UUID!, 'Enabled');
    await expectAwsError(create({}), 'ResourceConflictException', 409,
      `An event source mapping with SQS arn (" ${QUEUE_ARN_PREFIX}src ") and function (" target ") already exists. Please update or delete the existing mapping with UUID ${created.UUID}`);
    // A qualified function is another target.
    const aliased = await create({ FunctionName: `${ARN_PREFIX}target:live` });
    expect(aliased.FunctionArn).toBe(`${ARN_PREFIX}target:live`);
    await settled(aliased.UUID!, 'Enabled');
  });

  it('updates through Disabling, Enabling and Updating, and deletes through Deleting', async () => {
    const m = await create({ EventSourceArn: `${QUEUE_ARN_PREFIX}src2` });
    await settled(m.UUID!, 'Enabled');
    expect((await t.lambda.send(new UpdateEventSourceMappingCommand({ UUID: m.UUID, Enabled: false }))).State).toBe('Disabling');
    await settled(m.UUID!, 'Disabled');
    expect((await t.lambda.send(new UpdateEventSourceMappingCommand({ UUID: m.UUID, Enabled: true }))).State).toBe('Enabling');
    await settled(m.UUID!, 'Enabled');
    const updated = await t.lambda.send(new UpdateEventSourceMappingCommand({ UUID: m.UUID, BatchSize: 5, FilterCriteria: { Filters: [{ Pattern: '{"body":["x"]}' }] }, ScalingConfig: { MaximumConcurrency: 3 } }));
    expect(updated).toMatchObject({ State: 'Updating', BatchSize: 5, ScalingConfig: { MaximumConcurrency: 3 }, FilterCriteria: { Filters: [{ Pattern: '{"body":["x"]}' }] } });
    await settled(m.UUID!, 'Enabled');
    const cleared = await t.lambda.send(new UpdateEventSourceMappingCommand({ UUID: m.UUID, FilterCriteria: {}, ScalingConfig: {} }));
    expect(cleared.FilterCriteria).toBeUndefined();
    expect(cleared.ScalingConfig).toBeUndefined();
    await settled(m.UUID!, 'Enabled');
    await expectAwsError(t.lambda.send(new UpdateEventSourceMappingCommand({ UUID: m.UUID, BatchSize: 20 })), 'InvalidParameterValueException', 400, /Maximum batch window/);
    expect((await t.lambda.send(new DeleteEventSourceMappingCommand({ UUID: m.UUID }))).State).toBe('Deleting');
    await waitFor('the mapping to go', async () => {
      try {
        await t.lambda.send(new GetEventSourceMappingCommand({ UUID: m.UUID }));
        return undefined;
      } catch (err) {
        return (err as Error).name === 'ResourceNotFoundException' ? true : undefined;
      }
    });
  });

  it('lists by function and by source, in pages', async () => {
    const all = (await t.lambda.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings!;
    expect(all.length).toBe(2);
    const byFunction = await t.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: `${ARN_PREFIX}target:live` }));
    expect(byFunction.EventSourceMappings?.map((m) => m.FunctionArn)).toEqual([`${ARN_PREFIX}target:live`]);
    expect((await t.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'target' }))).EventSourceMappings).toHaveLength(2);
    expect((await t.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: `${QUEUE_ARN_PREFIX}src2` }))).EventSourceMappings).toEqual([]);
    const page = await t.lambda.send(new ListEventSourceMappingsCommand({ MaxItems: 1 }));
    expect(page.EventSourceMappings).toHaveLength(1);
    const next = await t.lambda.send(new ListEventSourceMappingsCommand({ MaxItems: 1, Marker: page.NextMarker }));
    expect(next.EventSourceMappings?.map((m) => m.UUID)).toEqual([all[1]!.UUID]);
    expect(next.NextMarker).toBeUndefined();
  });
});
