import { describe, expect, it } from 'vitest';
import { ResourceNotFoundException } from '../../core/errors.js';
import pino from 'pino';
import { eventsHarnesses, lambdaArn, patternRule, TEST_PARTITION } from '../../../test/helpers/events.js';
import { EventRules, type RuleChange } from './event-rules.js';
import { InvalidEventPatternException, LimitExceededException } from './errors.js';

const harness = eventsHarnesses();

describe('EventRules', () => {
  it('validates PutRule as AWS does', async () => {
    const h = await harness();
    await expect(h.rules.putRule({ name: 'r' })).rejects.toThrow('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    await expect(h.rules.putRule({ name: 'r', scheduleExpression: 'rate(1 minutes)' })).rejects.toThrow('Parameter ScheduleExpression is not valid.');
    await expect(h.rules.putRule({ name: 'r', eventPattern: '{"source":"x"}' })).rejects.toThrow(InvalidEventPatternException);
    await expect(h.rules.putRule({ name: 'bad name', eventPattern: '{"source":["x"]}' })).rejects.toThrow(
      "1 validation error detected: Value 'bad name' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+",
    );
    await expect(h.rules.putRule({ name: 'x'.repeat(65), eventPattern: '{"source":["x"]}' })).rejects.toThrow('Member must have length less than or equal to 64');
    await expect(h.rules.putRule({ name: 'r', eventPattern: '{"source":["x"]}', state: 'ON' })).rejects.toThrow(
      'Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]',
    );
    await expect(h.rules.putRule({ name: 'r', eventPattern: '{"source":["x"]}', eventBusName: 'custom' })).rejects.toThrow(ResourceNotFoundException);
    expect(await h.store.listAllRules()).toEqual([]);
  });

  it('accepts the default bus by name or ARN', async () => {
    const h = await harness();
    await h.rules.putRule({ name: 'r', eventPattern: '{"source":["x"]}', eventBusName: 'arn:aws:events:us-east-1:123456789012:event-bus/default' });
    expect((await h.rules.describeRule('r', 'default')).eventBusName).toBe('default');
    await expect(h.rules.describeRule('r', 'arn:aws:events:eu-west-1:123456789012:event-bus/default')).rejects.toThrow('Event bus default does not exist.');
  });

  it('replaces a rule on PutRule, keeping its creation time and targets', async () => {
    const h = await harness();
    await patternRule(h, 'r', { source: ['a'] });
    const created = (await h.rules.describeRule('r')).createdAt;
    h.clock.advance(5_000);
    await h.rules.putRule({ name: 'r', scheduleExpression: 'rate(1 hour)', description: 'd' });
    const rule = await h.rules.describeRule('r');
    expect(rule).toMatchObject({ createdAt: created, scheduleExpression: 'rate(1 hour)', description: 'd', state: 'ENABLED' });
    expect(rule.eventPattern).toBeUndefined();
    expect((await h.rules.listTargetsByRule('r')).targets).toHaveLength(1);
    await expect(h.rules.describeRule('missing')).rejects.toThrow('Rule missing does not exist on EventBus default.');
  });

  it('refuses to delete a rule with targets; deleting a missing rule is a no-op', async () => {
    const h = await harness();
    await patternRule(h, 'r', { source: ['a'] });
    await expect(h.rules.deleteRule('r')).rejects.toThrow("Rule can't be deleted since it has targets.");
    await h.rules.removeTargets('r', undefined, ['target']);
    await h.rules.deleteRule('r');
    await expect(h.rules.deleteRule('r')).resolves.toBeUndefined();
    h.bus.putEvents([{ source: 'a', detailType: 'x', detail: '{}' }]);
    await h.settle();
    expect(h.delivery.delivered).toEqual([]);
  });

  it('reports targets it cannot honour as failed entries and stores the rest', async () => {
    const h = await harness();
    await h.rules.putRule({ name: 'r', eventPattern: '{"source":["a"]}' });
    const failed = await h.rules.putTargets('r', undefined, [
      { id: 'ok', arn: lambdaArn('ok') },
      { id: 'topic', arn: 'arn:aws:sns:us-east-1:000000000000:my-topic' },
      { id: 'garbage', arn: 'not-an-arn' },
      { id: 'elsewhere', arn: 'arn:aws:lambda:eu-west-1:123456789012:function:f' },
      { id: 'bad id!', arn: lambdaArn('x') },
      { id: 'both', arn: lambdaArn('x'), input: '{}', inputPath: '$.detail' },
      { id: 'badjson', arn: lambdaArn('x'), input: '{oops' },
      { id: 'badpath', arn: lambdaArn('x'), inputPath: '$.items[*]' },
      { id: 'transformer', arn: lambdaArn('x'), unsupported: ['InputTransformer'] },
    ]);
    expect(failed.map((f) => [f.targetId, f.errorCode])).toEqual([
      ['topic', 'ValidationException'],
      ['garbage', 'ValidationException'],
      ['elsewhere', 'ValidationException'],
      ['bad id!', 'ValidationException'],
      ['both', 'ValidationException'],
      ['badjson', 'ValidationException'],
      ['badpath', 'ValidationException'],
      ['transformer', 'ValidationException'],
    ]);
    expect(failed[0]!.errorMessage).toContain('Gust delivers events to Lambda functions');
    expect(failed[1]!.errorMessage).toBe('Parameter not-an-arn is not valid. Reason: Provided Arn is not in correct format.');
    expect(failed[7]!.errorMessage).toContain('InputTransformer');
    expect((await h.rules.listTargetsByRule('r')).targets).toEqual([{ id: 'ok', arn: lambdaArn('ok') }]);
  });

  it('allows five targets per rule', async () => {
    const h = await harness();
    await h.rules.putRule({ name: 'r', eventPattern: '{"source":["a"]}' });
    await h.rules.putTargets('r', undefined, ['1', '2', '3', '4', '5'].map((id) => ({ id, arn: lambdaArn(id) })));
    // Replacing an existing one is fine; a sixth is not, and nothing of that request is stored.
    await h.rules.putTargets('r', undefined, [{ id: '5', arn: lambdaArn('five') }]);
    await expect(h.rules.putTargets('r', undefined, [{ id: '1', arn: lambdaArn('one') }, { id: '6', arn: lambdaArn('6') }])).rejects.toBeInstanceOf(LimitExceededException);
    const targets = (await h.rules.listTargetsByRule('r')).targets;
    expect(targets.map((t) => t.id)).toEqual(['1', '2', '3', '4', '5']);
    expect(targets[0]!.arn).toBe(lambdaArn('1'));
  });

  it('pages ListRules and ListTargetsByRule', async () => {
    const h = await harness();
    for (const name of ['a1', 'a2', 'a3', 'b1']) await h.rules.putRule({ name, eventPattern: '{"source":["a"]}' });
    const first = await h.rules.listRules({ namePrefix: 'a', limit: 2 });
    expect(first.rules.map((r) => r.name)).toEqual(['a1', 'a2']);
    const second = await h.rules.listRules({ namePrefix: 'a', limit: 2, nextToken: first.nextToken! });
    expect(second).toEqual({ rules: [expect.objectContaining({ name: 'a3' })] });
    await expect(h.rules.listRules({ limit: 0 })).rejects.toThrow('Member must have value greater than or equal to 1');
    await expect(h.rules.listRules({ nextToken: '!!' })).rejects.toThrow('The NextToken provided is invalid.');
    await h.rules.putTargets('a1', undefined, ['t1', 't2', 't3'].map((id) => ({ id, arn: lambdaArn(id) })));
    const page1 = await h.rules.listTargetsByRule('a1', undefined, undefined, 2);
    expect(page1.targets.map((t) => t.id)).toEqual(['t1', 't2']);
    expect((await h.rules.listTargetsByRule('a1', undefined, page1.nextToken, 2)).targets.map((t) => t.id)).toEqual(['t3']);
    await expect(h.rules.listTargetsByRule('nope')).rejects.toThrow('Rule nope does not exist on EventBus default.');
  });

  it("follows another node's writes on reload and resync, announcing only its own", async () => {
    const h = await harness();
    const announced: string[][] = [];
    const other = new EventRules({ store: h.store, partition: TEST_PARTITION, clock: h.clock, log: pino({ level: 'silent' }), announce: (bus, name) => announced.push([bus, name]) });
    await other.load();
    const heard: RuleChange['kind'][] = [];
    other.onChange((change) => heard.push(change.kind));
    const event = { source: 'x', 'detail-type': 't', detail: {} };
    await h.rules.putRule({ name: 'r', eventPattern: '{"source":["x"]}' });
    expect(other.matching('default', event)).toEqual([]);
    await other.reload('default', 'r');
    expect(other.matching('default', event).map((r) => r.name)).toEqual(['r']);
    await h.rules.deleteRule('r');
    await other.resync();
    expect(other.matching('default', event)).toEqual([]);
    expect(heard).toEqual(['put', 'deleted']);
    expect(announced).toEqual([]);
    await other.putRule({ name: 's', scheduleExpression: 'rate(1 hour)' });
    await other.deleteRule('s');
    expect(announced).toEqual([
      ['default', 's'],
      ['default', 's'],
    ]);
  });
});
