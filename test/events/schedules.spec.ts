/**
 * Scheduled rules and pattern rules invoking a real deployed function, end to end: the real
 * EventBridge SDK creates the rules on a real server, whose rules, event bus and scheduler
 * run on a ManualClock (`eventsClock`), so that a `rate(1 minute)` and a cron rule fire when
 * the test moves the clock, never by sleeping. Each firing travels the production path:
 * TargetDispatcher → InvokeDelivery (an `Event` invoke) → queue.db → a real Node.js runtime,
 * which appends the event it receives to a file that the test reads (a host file, which only
 * the process driver lets a function write, so this suite runs on it).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DisableRuleCommand, PutEventsCommand, PutRuleCommand, PutTargetsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ManualClock } from '../../src/core/clock.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { ARN_PREFIX, createFunction } from '../helpers/lambda.js';
import { waitFor } from '../helpers/wait.js';
import { allowEvents, eventBridgeClient, RULE_ARN_PREFIX } from './support.js';

// The function appends every event; `flaky` fails the first time it sees an event id.
const RECORDER = `
const fs = require('node:fs');
exports.handler = async (event) => {
  fs.appendFileSync(process.env.OUT_FILE, JSON.stringify(event) + '\\n');
  if (process.env.FLAKY === 'yes' && !fs.existsSync(process.env.OUT_FILE + '.' + event.id)) {
    fs.writeFileSync(process.env.OUT_FILE + '.' + event.id, '');
    throw new Error('first attempt fails');
  }
  return 'recorded';
};
`;

// 30 s before noon UTC: the cron rule's first firing is one clock step away.
const START = Date.UTC(2026, 5, 1, 11, 59, 30);

let t: TestGust;
let clock: ManualClock;
let events: EventBridgeClient;
let outDir: string;

interface Received {
  id: string;
  time: string;
  resources: string[];
  [field: string]: unknown;
}

beforeAll(async () => {
  clock = new ManualClock(START);
  // Retries after a function error come 50 ms × attempt later instead of 1 minute.
  t = await startTestGust({ eventsClock: clock, flags: { asyncRetryBase: '50ms', sandbox: 'process' } });
  events = eventBridgeClient(t);
  outDir = mkdtempSync(join(tmpdir(), 'gust-schedules-out-'));
  await createFunction(t.lambda, 'recorder', { files: { 'index.js': RECORDER }, Environment: { Variables: { OUT_FILE: join(outDir, 'recorder.jsonl') } } });
  await createFunction(t.lambda, 'flaky', { files: { 'index.js': RECORDER }, Environment: { Variables: { OUT_FILE: join(outDir, 'flaky.jsonl'), FLAKY: 'yes' } } });
});

afterAll(async () => {
  events?.destroy();
  await t?.stop();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

function received(fn: string): Received[] {
  const file = join(outDir, `${fn}.jsonl`);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Received);
}

const firingsOf = (fn: string, rule: string): Received[] => received(fn).filter((e) => e.resources?.[0] === `${RULE_ARN_PREFIX}${rule}`);

async function waitForFirings(fn: string, rule: string, count: number): Promise<Received[]> {
  return waitFor(`${count} firing(s) of ${rule} at ${fn}`, () => {
    const hits = firingsOf(fn, rule);
    return hits.length >= count ? hits : undefined;
  }, 15_000);
}

async function schedule(rule: string, expression: string, fn: string): Promise<void> {
  await events.send(new PutRuleCommand({ Name: rule, ScheduleExpression: expression }));
  await events.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: fn, Arn: `${ARN_PREFIX}${fn}` }] }));
  await allowEvents(t.lambda, fn, rule).catch((err: unknown) => {
    // The same rule scheduled again: its statement is there already.
    if ((err as Error).name !== 'ResourceConflictException') throw err;
  });
}

/** Gust's own view of the schedules: `GET /gust/schedules`. */
async function nextFirings(): Promise<Record<string, string | undefined>> {
  const res = await fetch(`${t.url}/gust/schedules`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { schedules: { name: string; nextFiring?: string }[] };
  return Object.fromEntries(body.schedules.map((s) => [s.name, s.nextFiring]));
}

async function queueCounters(fn: string): Promise<Record<string, number>> {
  const res = await fetch(`${t.url}/gust/events/${fn}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { counters: Record<string, number> }).counters;
}

describe('scheduled rules invoking a real function', () => {
  it('fires a cron rule and a rate(1 minute) rule at their times with AWS’s scheduled event, through the async queue', async () => {
    await schedule('noon', 'cron(0 12 * * ? *)', 'recorder');
    await schedule('every-minute', 'rate(1 minute)', 'recorder');
    expect(await nextFirings()).toEqual({ 'every-minute': '2026-06-01T12:00:30.000Z', noon: '2026-06-01T12:00:00.000Z' });

    clock.advance(30_000); // 12:00:00: the cron rule
    const [noon] = await waitForFirings('recorder', 'noon', 1);
    expect(noon).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/) as string,
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: '2026-06-01T12:00:00Z',
      region: 'us-east-1',
      resources: [`${RULE_ARN_PREFIX}noon`],
      detail: {},
    });

    clock.advance(30_000); // 12:00:30: one minute after the rate rule was created
    clock.advance(60_000); // 12:01:30
    const minutes = await waitForFirings('recorder', 'every-minute', 2);
    expect(await nextFirings()).toEqual({ 'every-minute': '2026-06-01T12:02:30.000Z', noon: '2026-06-02T12:00:00.000Z' });
    expect(minutes.map((e) => e.time)).toEqual(['2026-06-01T12:00:30Z', '2026-06-01T12:01:30Z']);
    expect(minutes.map((e) => e['detail-type'])).toEqual(['Scheduled Event', 'Scheduled Event']);
    expect(new Set([noon!.id, ...minutes.map((e) => e.id)]).size).toBe(3);

    // Each firing was an Event invoke: accepted into queue.db, then run by the queue. The
    // queue counts a success after the handler has written its line, so wait for the count.
    const counters = await waitFor('the three firings to succeed', async () => {
      const c = await queueCounters('recorder');
      return c.succeeded === 3 ? c : undefined;
    });
    expect(counters).toMatchObject({ enqueued: 3, succeeded: 3 });
  });

  it('stops firing a disabled rule, while a pattern rule delivers PutEvents to the same function', async () => {
    await events.send(new DisableRuleCommand({ Name: 'every-minute' }));
    await events.send(new DisableRuleCommand({ Name: 'noon' }));
    expect(await nextFirings()).toEqual({ 'every-minute': undefined, noon: undefined });
    clock.advance(24 * 60 * 60_000); // a day: noon and 1,440 minutes, all disabled
    await events.send(new PutRuleCommand({ Name: 'orders', EventPattern: JSON.stringify({ source: ['shop.orders'], detail: { total: [{ numeric: ['>=', 100] }] } }) }));
    await events.send(new PutTargetsCommand({ Rule: 'orders', Targets: [{ Id: 'recorder', Arn: `${ARN_PREFIX}recorder` }] }));
    await allowEvents(t.lambda, 'recorder', 'orders');
    const put = await events.send(new PutEventsCommand({ Entries: [{ Source: 'shop.orders', DetailType: 'Order Placed', Detail: JSON.stringify({ total: 250 }) }] }));
    expect(put.FailedEntryCount).toBe(0);

    const order = await waitFor('the order event', () => received('recorder').find((e) => e.source === 'shop.orders'), 15_000);
    expect(order).toEqual({
      version: '0',
      id: put.Entries![0]!.EventId,
      'detail-type': 'Order Placed',
      source: 'shop.orders',
      account: '000000000000',
      // No Time in the entry: the event bus's clock, which the test drives.
      time: '2026-06-02T12:01:30Z',
      region: 'us-east-1',
      resources: [],
      detail: { total: 250 },
    });
    // The queue runs one function's events in arrival order, and a firing of a disabled
    // rule would have been dispatched when the clock moved, before PutEvents: none came.
    expect(firingsOf('recorder', 'every-minute')).toHaveLength(2);
    expect(firingsOf('recorder', 'noon')).toHaveLength(1);
  });

  it('retries a firing whose function fails, as AWS retries asynchronous invocations', async () => {
    await schedule('flaky-minute', 'rate(1 minute)', 'flaky');
    clock.advance(60_000);
    const attempts = await waitForFirings('flaky', 'flaky-minute', 2);
    // The same event twice: the failed attempt and its retry.
    expect(attempts[1]).toEqual(attempts[0]);
    const counters = await waitFor('the retry to succeed', async () => {
      const c = await queueCounters('flaky');
      return c.succeeded === 1 ? c : undefined;
    });
    expect(counters).toMatchObject({ enqueued: 1, functionErrors: 1, retries: 1, succeeded: 1 });
  });
});
