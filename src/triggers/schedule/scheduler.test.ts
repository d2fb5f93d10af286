import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { SqliteRuleStore } from '../../store/sqlite/sqlite-rule-store.js';
import { eventsHarnesses, lambdaArn, type EventsHarness } from '../../../test/helpers/events.js';
import { MAX_TIMER_STEP_MS } from './scheduler.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

const root = mkdtempSync(join(tmpdir(), 'gust-scheduler-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const harness = eventsHarnesses(() => ({ clock: new ManualClock(T0) }));

/** Creates a scheduled rule with one target per function name. */
async function scheduledRule(h: EventsHarness, name: string, expression: string, functions = ['fn']): Promise<string> {
  const arn = await h.rules.putRule({ name, scheduleExpression: expression });
  await h.rules.putTargets(name, undefined, functions.map((f) => ({ id: f, arn: lambdaArn(f) })));
  return arn;
}

async function advance(h: EventsHarness, ms: number): Promise<void> {
  h.clock.advance(ms);
  await h.settle();
}

const times = (h: EventsHarness): string[] => h.delivery.delivered.map((d) => (d.payload as { time: string }).time);

describe('Scheduler', () => {
  it('fires a rate(1 minute) rule every minute from its creation, with the scheduled-event shape', async () => {
    const h = await harness();
    h.clock.advance(10_500); // created at 12:00:10.5
    const ruleArn = await scheduledRule(h, 'every-minute', 'rate(1 minute)');
    await advance(h, MINUTE - 1);
    expect(h.delivery.delivered).toEqual([]);
    await advance(h, 1);
    expect(h.delivery.delivered).toHaveLength(1);
    const [first] = h.delivery.delivered;
    expect(first!.functionArn).toBe(lambdaArn('fn'));
    expect(first!.payload).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: '2026-01-01T12:01:10Z',
      region: 'us-east-1',
      resources: [ruleArn],
      detail: {},
    });
    expect(ruleArn).toBe('arn:aws:events:us-east-1:123456789012:rule/every-minute');
    await advance(h, 3 * MINUTE);
    expect(times(h)).toEqual(['2026-01-01T12:01:10Z', '2026-01-01T12:02:10Z', '2026-01-01T12:03:10Z', '2026-01-01T12:04:10Z']);
    const ids = h.delivery.delivered.map((d) => (d.payload as { id: string }).id);
    expect(new Set(ids).size).toBe(4);
  });

  it('fires a cron rule at its wall-clock times in UTC', async () => {
    const h = await harness();
    await scheduledRule(h, 'quarter-hours', 'cron(0/15 * * * ? *)');
    expect(iso(h.scheduler.nextFiring('default', 'quarter-hours')!)).toBe('2026-01-01T12:15:00Z');
    // Each firing happens when the clock reaches it, not a moment before.
    for (let quarter = 1; quarter <= 4; quarter++) {
      await advance(h, 15 * MINUTE - 1);
      expect(h.delivery.delivered).toHaveLength(quarter - 1);
      await advance(h, 1);
      expect(h.delivery.delivered).toHaveLength(quarter);
    }
    expect(times(h)).toEqual(['2026-01-01T12:15:00Z', '2026-01-01T12:30:00Z', '2026-01-01T12:45:00Z', '2026-01-01T13:00:00Z']);
  });

  it('sends each firing to every target, applying Input and InputPath', async () => {
    const h = await harness();
    const ruleArn = await h.rules.putRule({ name: 'r', scheduleExpression: 'rate(5 minutes)' });
    await h.rules.putTargets('r', undefined, [
      { id: 'whole', arn: lambdaArn('whole') },
      { id: 'constant', arn: lambdaArn('constant'), input: '{"job":"nightly","n":1}' },
      { id: 'resources', arn: lambdaArn('resources'), inputPath: '$.resources' },
      { id: 'first', arn: lambdaArn('first'), inputPath: "$['resources'][0]" },
      { id: 'nothing', arn: lambdaArn('nothing'), inputPath: '$.detail.missing' },
    ]);
    await advance(h, 5 * MINUTE);
    const byFunction = Object.fromEntries(h.delivery.delivered.map((d) => [d.functionArn.split(':').pop(), d.payload]));
    expect(Object.keys(byFunction).sort()).toEqual(['constant', 'first', 'resources', 'whole']);
    expect(byFunction.constant).toEqual({ job: 'nightly', n: 1 });
    expect(byFunction.resources).toEqual([ruleArn]);
    expect(byFunction.first).toEqual(ruleArn);
    expect((byFunction.whole as { 'detail-type': string })['detail-type']).toBe('Scheduled Event');
  });

  it('does not fire disabled rules, and restarts the rate count when a rule is enabled', async () => {
    const h = await harness();
    await h.rules.putRule({ name: 'off', scheduleExpression: 'rate(1 minute)', state: 'DISABLED' });
    await h.rules.putTargets('off', undefined, [{ id: 'fn', arn: lambdaArn('fn') }]);
    await scheduledRule(h, 'on', 'rate(1 minute)', ['on']);
    await advance(h, 3 * MINUTE);
    expect(h.delivery.delivered.map((d) => d.functionArn)).toEqual([lambdaArn('on'), lambdaArn('on'), lambdaArn('on')]);

    await h.rules.disableRule('on');
    await advance(h, 5 * MINUTE);
    expect(h.delivery.delivered).toHaveLength(3);

    await advance(h, 30_000); // 12:08:30
    await h.rules.enableRule('off');
    await advance(h, MINUTE);
    expect(h.delivery.delivered.slice(3).map((d) => [d.functionArn, (d.payload as { time: string }).time])).toEqual([[lambdaArn('fn'), '2026-01-01T12:09:30Z']]);
  });

  it('re-arms when the expression changes, and stops when the rule is deleted', async () => {
    const h = await harness();
    await scheduledRule(h, 'r', 'rate(10 minutes)');
    await advance(h, 5 * MINUTE);
    await h.rules.putRule({ name: 'r', scheduleExpression: 'cron(7 * * * ? *)' });
    await advance(h, 10 * MINUTE);
    expect(times(h)).toEqual(['2026-01-01T12:07:00Z']);
    await h.rules.removeTargets('r', undefined, ['fn']);
    await h.rules.deleteRule('r');
    expect(h.scheduler.nextFiring('default', 'r')).toBeUndefined();
    await advance(h, 120 * MINUTE);
    expect(h.delivery.delivered).toHaveLength(1);
  });

  it('keeps a rule whose update leaves the schedule alone on the same grid', async () => {
    const h = await harness();
    await scheduledRule(h, 'r', 'rate(5 minutes)');
    await advance(h, 3 * MINUTE);
    await h.rules.putRule({ name: 'r', scheduleExpression: 'rate(5 minutes)', description: 'now described' });
    await advance(h, 2 * MINUTE);
    expect(times(h)).toEqual(['2026-01-01T12:05:00Z']);
  });

  it('waits in capped steps for a firing months away', async () => {
    const h = await harness();
    await scheduledRule(h, 'new-year', 'cron(0 0 1 1 ? *)');
    expect(iso(h.scheduler.nextFiring('default', 'new-year')!)).toBe('2027-01-01T00:00:00Z');
    for (let day = 0; day < 364; day++) await advance(h, MAX_TIMER_STEP_MS);
    // 2026-12-31T12:00: twelve hours to go.
    await advance(h, 12 * 60 * MINUTE - 1);
    expect(h.delivery.delivered).toEqual([]);
    await advance(h, 1);
    expect(times(h)).toEqual(['2027-01-01T00:00:00Z']);
    expect(iso(h.scheduler.nextFiring('default', 'new-year')!)).toBe('2028-01-01T00:00:00Z');
  });

  it('goes on firing after a delivery fails', async () => {
    const h = await harness();
    await scheduledRule(h, 'r', 'rate(1 minute)', ['bad', 'good']);
    h.delivery.failFor = lambdaArn('bad');
    await advance(h, 3 * MINUTE);
    expect(h.delivery.delivered.map((d) => d.functionArn)).toEqual([lambdaArn('good'), lambdaArn('good'), lambdaArn('good')]);
  });

  it('after a restart neither repeats the last firing nor replays missed ones', async () => {
    const path = join(root, 'restart', 'gust.db');
    const clock = new ManualClock(T0);
    const before = await harness({ clock, store: SqliteRuleStore.open(path) });
    await scheduledRule(before, 'rate', 'rate(5 minutes)');
    await scheduledRule(before, 'cron', 'cron(0/10 * * * ? *)', ['cronfn']);
    await advance(before, 10 * MINUTE); // rate fires at 12:05 and 12:10, cron at 12:10
    expect(times(before)).toEqual(['2026-01-01T12:05:00Z', '2026-01-01T12:10:00Z', '2026-01-01T12:10:00Z']);
    before.stop();
    await before.store.close();

    // Down for 22 minutes: the firings of 12:15 to 12:30 are missed.
    clock.advance(22 * MINUTE);
    const after = await harness({ clock, store: SqliteRuleStore.open(path) });
    await after.settle();
    expect(after.delivery.delivered).toEqual([]);
    expect(iso(after.scheduler.nextFiring('default', 'rate')!)).toBe('2026-01-01T12:35:00Z');
    expect(iso(after.scheduler.nextFiring('default', 'cron')!)).toBe('2026-01-01T12:40:00Z');
    await advance(after, 10 * MINUTE);
    expect(times(after)).toEqual(['2026-01-01T12:35:00Z', '2026-01-01T12:40:00Z', '2026-01-01T12:40:00Z']);
  });

  it('does not repeat a firing when restarted in the same minute', async () => {
    const path = join(root, 'same-minute', 'gust.db');
    const clock = new ManualClock(T0);
    const before = await harness({ clock, store: SqliteRuleStore.open(path) });
    await scheduledRule(before, 'r', 'cron(* * * * ? *)');
    await advance(before, MINUTE); // fires at 12:01:00
    expect(before.delivery.delivered).toHaveLength(1);
    before.stop();
    await before.store.close();

    const after = await harness({ clock, store: SqliteRuleStore.open(path) });
    await advance(after, 59_999);
    expect(after.delivery.delivered).toEqual([]);
    await advance(after, 1);
    expect(times(after)).toEqual(['2026-01-01T12:02:00Z']);
  });
});
