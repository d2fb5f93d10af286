/**
 * SQS queues as targets, accepted and delivered: asynchronous invocation's OnSuccess and
 * OnFailure destinations (the invocation record as the message body), a version's
 * DeadLetterConfig (the event itself, with Lambda's RequestID, ErrorCode and ErrorMessage
 * attributes), and EventBridge rule targets (the event as the message body).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvokeCommand, PutFunctionEventInvokeConfigCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { PutEventsCommand, PutRuleCommand, PutTargetsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { createFunction, waitActive } from '../helpers/lambda.js';
import { waitFor } from '../helpers/wait.js';
import { eventBridgeClient } from '../events/support.js';
import { QUEUE_ARN_PREFIX, queueUrl, sqsClient } from './support.js';

describe('SQS queues as targets', () => {
  let t: TestGust;
  let sqs: SQSClient;
  let events: EventBridgeClient;

  beforeAll(async () => {
    t = await startTestGust();
    sqs = sqsClient(t);
    events = eventBridgeClient(t);
    for (const name of ['records', 'dead', 'successes', 'bus-target']) await sqs.send(new CreateQueueCommand({ QueueName: name }));
  });
  afterAll(async () => {
    sqs?.destroy();
    events?.destroy();
    await t?.stop();
  });

  const nextMessage = (queue: string): Promise<Message> =>
    waitFor(`a message in ${queue}`, async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl(t, queue), WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }))).Messages?.[0], 20_000);

  it('delivers a failed event to the OnFailure queue and to the dead-letter queue', async () => {
    await createFunction(t.lambda, 'failing', { files: { 'index.js': 'exports.handler = async () => { throw new TypeError("no good"); };' } });
    await t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'failing', DeadLetterConfig: { TargetArn: `${QUEUE_ARN_PREFIX}dead` } }));
    await waitActive(t.lambda, 'failing');
    await t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'failing', MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: `${QUEUE_ARN_PREFIX}records` } } }));
    const invoked = await t.lambda.send(new InvokeCommand({ FunctionName: 'failing', InvocationType: 'Event', Payload: Buffer.from('{"order":42}') }));
    const requestId = invoked.$metadata.requestId!;

    const record = JSON.parse((await nextMessage('records')).Body!) as { requestContext: Record<string, unknown>; requestPayload: unknown; responsePayload: { errorType: string } };
    expect(record.requestContext).toMatchObject({ requestId, condition: 'RetriesExhausted', approximateInvokeCount: 1 });
    expect(record.requestPayload).toEqual({ order: 42 });
    expect(record.responsePayload.errorType).toBe('TypeError');

    const dead = await nextMessage('dead');
    expect(JSON.parse(dead.Body!)).toEqual({ order: 42 });
    expect(dead.MessageAttributes?.RequestID).toEqual({ DataType: 'String', StringValue: requestId });
    expect(dead.MessageAttributes?.ErrorCode).toEqual({ DataType: 'Number', StringValue: '200' });
    expect(dead.MessageAttributes?.ErrorMessage?.StringValue).toMatch(/no good/);
  });

  it('delivers a successful event to the OnSuccess queue', async () => {
    await createFunction(t.lambda, 'fine', { files: { 'index.js': 'exports.handler = async (e) => ({ seen: e.n });' } });
    await t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'fine', DestinationConfig: { OnSuccess: { Destination: `${QUEUE_ARN_PREFIX}successes` } } }));
    await t.lambda.send(new InvokeCommand({ FunctionName: 'fine', InvocationType: 'Event', Payload: Buffer.from('{"n":7}') }));
    const record = JSON.parse((await nextMessage('successes')).Body!) as { requestContext: { condition: string }; responsePayload: unknown };
    expect(record.requestContext.condition).toBe('Success');
    expect(record.responsePayload).toEqual({ seen: 7 });
  });

  it('sends matched events to an SQS target of an EventBridge rule', async () => {
    await events.send(new PutRuleCommand({ Name: 'to-queue', EventPattern: JSON.stringify({ source: ['shop'] }) }));
    const put = await events.send(new PutTargetsCommand({ Rule: 'to-queue', Targets: [{ Id: 'q', Arn: `${QUEUE_ARN_PREFIX}bus-target` }] }));
    expect(put.FailedEntryCount).toBe(0);
    await events.send(new PutEventsCommand({ Entries: [{ Source: 'shop', DetailType: 'order', Detail: '{"id":1}' }, { Source: 'elsewhere', DetailType: 'x', Detail: '{}' }] }));
    const event = JSON.parse((await nextMessage('bus-target')).Body!) as { source: string; 'detail-type': string; detail: unknown };
    expect(event).toMatchObject({ source: 'shop', 'detail-type': 'order', detail: { id: 1 } });
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl(t, 'bus-target'), WaitTimeSeconds: 1 }))).Messages).toBeUndefined();
  });
});
