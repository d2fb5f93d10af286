/**
 * Events reaching real functions: PutEvents through the real EventBridge SDK makes a real
 * Node.js function run with AWS's envelope (or the part InputPath selects), and, for every
 * pattern operator, a matching event is delivered while a non-matching one is not.
 * The function appends each event it receives to a file, which the test reads; only the
 * process driver lets a function write a host file, so this suite runs on it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutEventsCommand, PutRuleCommand, PutTargetsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { ARN_PREFIX, createFunction } from '../helpers/lambda.js';
import { waitFor } from '../helpers/wait.js';
import { allowEvents, eventBridgeClient, EVENT_OPERATOR_CASES } from './support.js';

const RECORDER = `
const fs = require('node:fs');
exports.handler = async (event) => {
  fs.appendFileSync(process.env.OUT_FILE, JSON.stringify(event) + '\\n');
  return 'recorded';
};
`;

let t: TestGust;
let events: EventBridgeClient;
let outDir: string;
let outFile: string;

beforeAll(async () => {
  t = await startTestGust({ flags: { sandbox: 'process' } });
  events = eventBridgeClient(t);
  outDir = mkdtempSync(join(tmpdir(), 'gust-events-out-'));
  outFile = join(outDir, 'events.jsonl');
  await createFunction(t.lambda, 'recorder', { files: { 'index.js': RECORDER }, Environment: { Variables: { OUT_FILE: outFile } } });
});

afterAll(async () => {
  events.destroy();
  await t.stop();
  rmSync(outDir, { recursive: true, force: true });
});

/** Everything the recorder has received so far. */
function received(): Record<string, unknown>[] {
  if (!existsSync(outFile)) return [];
  return readFileSync(outFile, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const markerOf = (e: Record<string, unknown>): unknown => (e.detail as { marker?: unknown } | undefined)?.marker ?? (e as { marker?: unknown }).marker;

async function waitForMarker(marker: string): Promise<Record<string, unknown>[]> {
  return waitFor(`an event with marker ${marker}`, () => {
    const hits = received().filter((e) => markerOf(e) === marker);
    return hits.length > 0 ? hits : undefined;
  }, 15_000);
}

describe('PutEvents to real functions', () => {
  it('runs the target function with the event in AWS envelope, and InputPath targets with their part', async () => {
    await events.send(new PutRuleCommand({ Name: 'orders', EventPattern: JSON.stringify({ source: ['shop.orders'], detail: { total: [{ numeric: ['>=', 100] }] } }) }));
    await events.send(
      new PutTargetsCommand({
        Rule: 'orders',
        Targets: [
          { Id: 'whole', Arn: `${ARN_PREFIX}recorder` },
          { Id: 'detail', Arn: `${ARN_PREFIX}recorder:$LATEST`, InputPath: '$.detail' },
        ],
      }),
    );
    await allowEvents(t.lambda, 'recorder', 'orders');
    const put = await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'shop.orders', DetailType: 'Order Placed', Detail: JSON.stringify({ marker: 'small-order', total: 5 }) },
          { Source: 'shop.orders', DetailType: 'Order Placed', Detail: JSON.stringify({ marker: 'big-order', total: 250 }), Resources: ['arn:aws:shop:::order/7'], Time: new Date('2026-03-04T05:06:07Z') },
        ],
      }),
    );
    expect(put.FailedEntryCount).toBe(0);

    await waitFor('two deliveries of the big order', () => (received().filter((e) => markerOf(e) === 'big-order').length === 2 ? true : undefined), 15_000);
    const hits = received().filter((e) => markerOf(e) === 'big-order');
    const whole = hits.find((e) => e.version === '0');
    expect(whole).toEqual({
      version: '0',
      id: put.Entries?.[1]?.EventId,
      'detail-type': 'Order Placed',
      source: 'shop.orders',
      account: '000000000000',
      time: '2026-03-04T05:06:07Z',
      region: 'us-east-1',
      resources: ['arn:aws:shop:::order/7'],
      detail: { marker: 'big-order', total: 250 },
    });
    expect(hits).toContainEqual({ marker: 'big-order', total: 250 });
    expect(received().some((e) => markerOf(e) === 'small-order')).toBe(false);
  });

  it('invokes a function only once its resource policy lets EventBridge invoke it for the rule, as on AWS', async () => {
    await events.send(new PutRuleCommand({ Name: 'guarded', EventPattern: JSON.stringify({ source: ['shop.guarded'] }) }));
    await events.send(new PutTargetsCommand({ Rule: 'guarded', Targets: [{ Id: 'recorder', Arn: `${ARN_PREFIX}recorder` }] }));
    // A statement for another rule does not open this one.
    await allowEvents(t.lambda, 'recorder', 'elsewhere');
    const send = (marker: string) => events.send(new PutEventsCommand({ Entries: [{ Source: 'shop.guarded', DetailType: 'x', Detail: JSON.stringify({ marker }) }] }));
    expect((await send('refused')).FailedEntryCount).toBe(0);
    await send('refused');
    await allowEvents(t.lambda, 'recorder', 'guarded');
    await send('permitted');
    await waitForMarker('permitted');
    expect(received().filter((e) => markerOf(e) === 'refused')).toEqual([]);
  });

  it('delivers matching events and only those, for every operator', async () => {
    for (const c of EVENT_OPERATOR_CASES) {
      const pattern = { source: ['gust.operators'], detail: { ...c.pattern, op: [c.name] } };
      await events.send(new PutRuleCommand({ Name: `op-${c.name}`, EventPattern: JSON.stringify(pattern) }));
      await events.send(new PutTargetsCommand({ Rule: `op-${c.name}`, Targets: [{ Id: 'recorder', Arn: `${ARN_PREFIX}recorder` }] }));
      await allowEvents(t.lambda, 'recorder', `op-${c.name}`);
    }
    const entry = (name: string, detail: Record<string, unknown>, kind: 'match' | 'miss') => ({
      Source: 'gust.operators',
      DetailType: 'Operator Test',
      Detail: JSON.stringify({ ...detail, op: name, marker: `${name}:${kind}` }),
    });
    // The misses go first: had any of them matched, it would be delivered long before the
    // last match below is.
    const misses = EVENT_OPERATOR_CASES.map((c) => entry(c.name, c.miss, 'miss'));
    for (let i = 0; i < misses.length; i += 10) {
      expect((await events.send(new PutEventsCommand({ Entries: misses.slice(i, i + 10) }))).FailedEntryCount).toBe(0);
    }
    for (const c of EVENT_OPERATOR_CASES) {
      await events.send(new PutEventsCommand({ Entries: [entry(c.name, c.match, 'match')] }));
      const hits = await waitForMarker(`${c.name}:match`);
      expect(hits, c.name).toHaveLength(1);
    }
    const missed = received().map(markerOf).filter((m) => typeof m === 'string' && m.endsWith(':miss'));
    expect(missed).toEqual([]);
  });
});
