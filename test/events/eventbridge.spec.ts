/**
 * The EventBridge API through the real `@aws-sdk/client-eventbridge` against a real server
 * on the Lambda API's port: rule and target life cycles, schedule expressions and event
 * patterns refused with AWS's error types, PutEvents answers, TestEventPattern for every
 * operator, and rules that survive a restart.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { ARN_PREFIX, caught, expectAwsError } from '../helpers/lambda.js';
import { EVENT_OPERATOR_CASES, eventBridgeClient, RULE_ARN_PREFIX } from './support.js';

let t: TestGust;
let events: EventBridgeClient;

beforeAll(async () => {
  t = await startTestGust();
  events = eventBridgeClient(t);
});
afterAll(async () => {
  events.destroy();
  await t.stop();
});


describe('rules and targets', () => {
  it('go through their whole life cycle', async () => {
    const pattern = JSON.stringify({ source: ['shop.orders'], 'detail-type': ['Order Placed'] });
    const put = await events.send(new PutRuleCommand({ Name: 'orders', EventPattern: pattern, Description: 'new orders' }));
    expect(put.RuleArn).toBe(`${RULE_ARN_PREFIX}orders`);

    const described = await events.send(new DescribeRuleCommand({ Name: 'orders' }));
    expect(described).toMatchObject({
      Name: 'orders',
      Arn: `${RULE_ARN_PREFIX}orders`,
      EventPattern: pattern,
      State: 'ENABLED',
      Description: 'new orders',
      EventBusName: 'default',
      CreatedBy: '000000000000',
    });
    expect(described.ScheduleExpression).toBeUndefined();

    await events.send(new DisableRuleCommand({ Name: 'orders' }));
    expect((await events.send(new DescribeRuleCommand({ Name: 'orders' }))).State).toBe('DISABLED');
    await events.send(new EnableRuleCommand({ Name: 'orders', EventBusName: 'default' }));
    expect((await events.send(new DescribeRuleCommand({ Name: 'orders' }))).State).toBe('ENABLED');

    const targets = await events.send(
      new PutTargetsCommand({
        Rule: 'orders',
        Targets: [
          { Id: 'whole', Arn: `${ARN_PREFIX}order-handler` },
          { Id: 'detail-only', Arn: `${ARN_PREFIX}order-handler:live`, InputPath: '$.detail' },
          { Id: 'constant', Arn: `${ARN_PREFIX}audit`, Input: '{"audit":true}' },
        ],
      }),
    );
    expect(targets).toMatchObject({ FailedEntryCount: 0, FailedEntries: [] });
    expect((await events.send(new ListTargetsByRuleCommand({ Rule: 'orders' }))).Targets).toEqual([
      { Id: 'constant', Arn: `${ARN_PREFIX}audit`, Input: '{"audit":true}' },
      { Id: 'detail-only', Arn: `${ARN_PREFIX}order-handler:live`, InputPath: '$.detail' },
      { Id: 'whole', Arn: `${ARN_PREFIX}order-handler` },
    ]);

    await expectAwsError(events.send(new DeleteRuleCommand({ Name: 'orders' })), 'ValidationException', 400, "Rule can't be deleted since it has targets.");
    const removed = await events.send(new RemoveTargetsCommand({ Rule: 'orders', Ids: ['whole', 'detail-only', 'constant', 'nope'] }));
    expect(removed.FailedEntryCount).toBe(1);
    expect(removed.FailedEntries).toEqual([{ TargetId: 'nope', ErrorCode: 'ResourceNotFoundException', ErrorMessage: "Rule 'orders' does not have a target with the Id 'nope'." }]);
    await events.send(new DeleteRuleCommand({ Name: 'orders' }));
    await expectAwsError(events.send(new DescribeRuleCommand({ Name: 'orders' })), 'ResourceNotFoundException', 400, 'Rule orders does not exist on EventBus default.');
    // Deleting a rule that is gone succeeds, as on AWS.
    await events.send(new DeleteRuleCommand({ Name: 'orders' }));
  });

  it('lists rules by prefix, a page at a time', async () => {
    for (const name of ['list-a', 'list-b', 'list-c', 'other']) {
      await events.send(new PutRuleCommand({ Name: name, ScheduleExpression: 'rate(1 day)', State: 'DISABLED' }));
    }
    const first = await events.send(new ListRulesCommand({ NamePrefix: 'list-', Limit: 2 }));
    expect(first.Rules?.map((r) => r.Name)).toEqual(['list-a', 'list-b']);
    expect(first.Rules?.[0]).toMatchObject({ Arn: `${RULE_ARN_PREFIX}list-a`, ScheduleExpression: 'rate(1 day)', State: 'DISABLED', EventBusName: 'default' });
    const second = await events.send(new ListRulesCommand({ NamePrefix: 'list-', Limit: 2, NextToken: first.NextToken }));
    expect(second.Rules?.map((r) => r.Name)).toEqual(['list-c']);
    expect(second.NextToken).toBeUndefined();
    await expectAwsError(events.send(new ListRulesCommand({ Limit: 101 })), 'ValidationException', 400, /Member must have value less than or equal to 100/);
  });

  it('answers operations on missing rules and buses with ResourceNotFoundException', async () => {
    await expectAwsError(events.send(new EnableRuleCommand({ Name: 'missing' })), 'ResourceNotFoundException', 400, 'Rule missing does not exist on EventBus default.');
    await expectAwsError(events.send(new DisableRuleCommand({ Name: 'missing' })), 'ResourceNotFoundException', 400);
    await expectAwsError(events.send(new ListTargetsByRuleCommand({ Rule: 'missing' })), 'ResourceNotFoundException', 400);
    await expectAwsError(
      events.send(new PutTargetsCommand({ Rule: 'missing', Targets: [{ Id: 't', Arn: `${ARN_PREFIX}f` }] })),
      'ResourceNotFoundException',
      400,
      'Rule missing does not exist on EventBus default.',
    );
    await expectAwsError(
      events.send(new PutRuleCommand({ Name: 'r', EventPattern: '{"source":["a"]}', EventBusName: 'custom-bus' })),
      'ResourceNotFoundException',
      400,
      'Event bus custom-bus does not exist.',
    );
  });

  it('refuses targets it cannot deliver to as failed entries, and a sixth target as a whole', async () => {
    await events.send(new PutRuleCommand({ Name: 'targets', EventPattern: '{"source":["a"]}' }));
    const put = await events.send(
      new PutTargetsCommand({
        Rule: 'targets',
        Targets: [
          { Id: 'fn', Arn: `${ARN_PREFIX}fn` },
          { Id: 'topic', Arn: 'arn:aws:sns:us-east-1:000000000000:my-topic' },
          { Id: 'fifo', Arn: 'arn:aws:sqs:us-east-1:000000000000:my-queue.fifo' },
          { Id: 'transform', Arn: `${ARN_PREFIX}fn`, InputTransformer: { InputTemplate: '"<x>"', InputPathsMap: { x: '$.detail' } } },
        ],
      }),
    );
    expect(put.FailedEntryCount).toBe(3);
    expect(put.FailedEntries?.map((f) => [f.TargetId, f.ErrorCode])).toEqual([
      ['topic', 'ValidationException'],
      ['fifo', 'ValidationException'],
      ['transform', 'ValidationException'],
    ]);
    expect(put.FailedEntries?.[0]?.ErrorMessage).toMatch(/Lambda functions .* and SQS queues .* only/);
    expect(put.FailedEntries?.[1]?.ErrorMessage).toMatch(/standard SQS queues only/);
    expect((await events.send(new ListTargetsByRuleCommand({ Rule: 'targets' }))).Targets?.map((x) => x.Id)).toEqual(['fn']);

    await events.send(new PutTargetsCommand({ Rule: 'targets', Targets: ['2', '3', '4', '5'].map((id) => ({ Id: id, Arn: `${ARN_PREFIX}fn` })) }));
    await expectAwsError(
      events.send(new PutTargetsCommand({ Rule: 'targets', Targets: [{ Id: '6', Arn: `${ARN_PREFIX}fn` }] })),
      'LimitExceededException',
      400,
      'The requested resource exceeds the maximum number allowed.',
    );
  });
});

describe('schedule expressions', () => {
  it.each(['rate(1 minute)', 'rate(5 minutes)', 'rate(1 hour)', 'rate(2 days)', 'cron(0 12 * * ? *)', 'cron(0/15 8-17 ? * MON-FRI *)', 'cron(0 9 LW * ? 2027)', 'cron(30 6 ? * 6L *)', 'cron(0 0 ? * 3#2 *)', 'cron(0 8 15W JAN-JUN ? *)'])(
    'accepts %s',
    async (expression) => {
      await events.send(new PutRuleCommand({ Name: 'sched-ok', ScheduleExpression: expression }));
      expect((await events.send(new DescribeRuleCommand({ Name: 'sched-ok' }))).ScheduleExpression).toBe(expression);
    },
  );

  it.each(['rate(1 minutes)', 'rate(5 minute)', 'rate(0 minutes)', 'rate(5 seconds)', 'cron(0 12 * * *)', 'cron(7 20 * * 1-7 *)', 'cron(0 0 ? * ? *)', 'cron(60 0 * * ? *)', 'cron(0 0 1 1 ? 2200)', 'cron(0 0 ? * 3#6 *)', 'cron(0 12 * * * *)', 'cron(0 12 * * ? * *)', 'cron(0 24 * * ? *)', 'cron(0/0 * * * ? *)', 'cron(0 18 ? * MON#1,FRI#2 *)', 'cron()', 'rate(1.5 hours)', 'rate(-1 minutes)', 'rate()', 'at(2026-01-01T00:00:00)', 'every day'])(
    'refuses %s with ValidationException',
    async (expression) => {
      await expectAwsError(events.send(new PutRuleCommand({ Name: 'sched-bad', ScheduleExpression: expression })), 'ValidationException', 400, 'Parameter ScheduleExpression is not valid.');
    },
  );

  it('needs a schedule or a pattern', async () => {
    await expectAwsError(events.send(new PutRuleCommand({ Name: 'empty' })), 'ValidationException', 400, 'Parameter(s) EventPattern or ScheduleExpression must be specified.');
  });

  it('refuses a bad name or state with the model constraint', async () => {
    await expectAwsError(
      events.send(new PutRuleCommand({ Name: 'has space', ScheduleExpression: 'rate(1 day)' })),
      'ValidationException',
      400,
      "1 validation error detected: Value 'has space' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+",
    );
    await expectAwsError(events.send(new PutRuleCommand({ Name: 'ok', ScheduleExpression: 'rate(1 day)', State: 'ON' as 'ENABLED' })), 'ValidationException', 400, /enum value set/);
  });
});

describe('event patterns', () => {
  it.each([
    ['not json', 'Filter is not valid JSON'],
    ['["source"]', 'Filter is not an object'],
    ['{"source": "aws.ec2"}', '"source" must be an object or an array'],
    ['{"source": []}', 'Empty arrays are not allowed'],
    ['{"source": [{"bogus": 1}]}', 'Unrecognized match type bogus'],
    ['{"n": [{"numeric": [">", 5, "<", 1]}]}', 'Bottom must be less than top'],
    ['{"ip": [{"cidr": "10.0.0.0"}]}', "Malformed CIDR, one '/' required"],
    ['{"$or": [{"a": ["b"]}]}', 'There must have at least 2 Objects in $or relationship.'],
    // Reasons AWS gave for these patterns, as users have reported them (AWS adds the
    // parser's position, "at [Source: …; line: 1, column: N]", which Gust leaves out).
    ['{"source": ["aws.health"], "detail": {}}', 'Empty objects are not allowed'],
    ['{"detail": {"name": [{"exists": "true"}]}}', 'exists match pattern must be either true or false.'],
    ['{"detail": {"pipeline": {"slug": "some-pipeline"}}}', '"slug" must be an object or an array'],
  ])('refuses %s with InvalidEventPatternException', async (pattern, reason) => {
    const message = `Event pattern is not valid. Reason: ${reason}`;
    await expectAwsError(events.send(new PutRuleCommand({ Name: 'bad-pattern', EventPattern: pattern })), 'InvalidEventPatternException', 400, message);
    await expectAwsError(events.send(new TestEventPatternCommand({ EventPattern: pattern, Event: '{}' })), 'InvalidEventPatternException', 400, message);
  });

  it.each(EVENT_OPERATOR_CASES)('TestEventPattern: $name', async ({ pattern, match, miss }) => {
    const envelope = (detail: object) =>
      JSON.stringify({ version: '0', id: 'e1', 'detail-type': 'Test', source: 'gust.test', account: '000000000000', time: '2026-01-01T00:00:00Z', region: 'us-east-1', resources: [], detail });
    expect((await events.send(new TestEventPatternCommand({ EventPattern: JSON.stringify({ detail: pattern }), Event: envelope(match) }))).Result).toBe(true);
    expect((await events.send(new TestEventPatternCommand({ EventPattern: JSON.stringify({ detail: pattern }), Event: envelope(miss) }))).Result).toBe(false);
  });

  it('TestEventPattern needs the envelope fields', async () => {
    await expectAwsError(
      events.send(new TestEventPatternCommand({ EventPattern: '{"source":["a"]}', Event: '{"source":"a"}' })),
      'ValidationException',
      400,
      'Parameter Event is not valid. Reason: Provided Event is missing required field: id',
    );
  });
});

describe('PutEvents', () => {
  it('answers each entry with an EventId or an error', async () => {
    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'shop', DetailType: 'Order Placed', Detail: '{"id":1}', Time: new Date('2026-01-01T00:00:00Z'), Resources: ['arn:aws:x:::y'] },
          { DetailType: 'Order Placed', Detail: '{}' },
          { Source: 'shop', DetailType: 'Order Placed', Detail: '{oops' },
          { Source: 'aws.s3', DetailType: 'Object Created', Detail: '{}' },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(3);
    expect(result.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.Entries?.slice(1)).toEqual([
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' },
    ]);
  });

  it('refuses more than ten entries', async () => {
    const entry = { Source: 's', DetailType: 'd', Detail: '{}' };
    await expectAwsError(events.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry) })), 'ValidationException', 400);
  });
});

describe('the awsJson protocol on POST /', () => {
  const post = (headers: Record<string, string>, body: string) => fetch(`${t.url}/`, { method: 'POST', headers, body });

  it('answers an unknown or missing X-Amz-Target with UnknownOperationException', async () => {
    const variants: Record<string, string>[] = [{}, { 'x-amz-target': 'AWSEvents.CreateEventBus' }, { 'x-amz-target': 'Lambda.Invoke' }];
    for (const headers of variants) {
      const res = await post({ 'content-type': 'application/x-amz-json-1.1', ...headers }, '{}');
      expect(res.status).toBe(400);
      expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
      expect((await res.json()) as object).toMatchObject({ __type: 'UnknownOperationException' });
    }
  });

  it('answers a body that is not JSON, or members of the wrong type, with SerializationException', async () => {
    const target = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.DescribeRule' };
    expect(((await (await post(target, '{nope')).json()) as { __type: string }).__type).toBe('SerializationException');
    expect(((await (await post(target, '{"Name": 5}')).json()) as { __type: string }).__type).toBe('SerializationException');
    const missing = await post(target, '{}');
    expect(await missing.json()).toEqual({ __type: 'ValidationException', message: "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null" });
  });

  it('leaves the Lambda API alone', async () => {
    const err = await caught(events.send(new DescribeRuleCommand({ Name: 'x' })));
    expect(err?.name).toBe('ResourceNotFoundException');
    const res = await fetch(`${t.url}/2015-03-31/functions/`);
    expect(res.status).toBe(200);
  });
});

describe('persistence', () => {
  it('keeps rules and targets across a restart', async () => {
    const first = await startTestGust({ keepDataDir: true });
    const before = eventBridgeClient(first);
    try {
      await before.send(new PutRuleCommand({ Name: 'durable', ScheduleExpression: 'cron(0 3 * * ? *)', Description: 'nightly' }));
      await before.send(new PutTargetsCommand({ Rule: 'durable', Targets: [{ Id: 'job', Arn: `${ARN_PREFIX}nightly`, Input: '{"job":"nightly"}' }] }));
    } finally {
      before.destroy();
      await first.stop();
    }
    const second = await startTestGust({ dataDir: first.dataDir });
    const after = eventBridgeClient(second);
    try {
      expect(await after.send(new DescribeRuleCommand({ Name: 'durable' }))).toMatchObject({ ScheduleExpression: 'cron(0 3 * * ? *)', Description: 'nightly', State: 'ENABLED' });
      expect((await after.send(new ListTargetsByRuleCommand({ Rule: 'durable' }))).Targets).toEqual([{ Id: 'job', Arn: `${ARN_PREFIX}nightly`, Input: '{"job":"nightly"}' }]);
    } finally {
      after.destroy();
      await second.stop();
      rmSync(first.dataDir, { recursive: true, force: true });
    }
  });
});
