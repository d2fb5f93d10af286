/**
 * A mapping's pollers on a real queue (QueueService over SQLite) and a ManualClock: after a
 * backlog they come back to the base of five and never below it, even when the batches of
 * a round all end together and their pollers decide to retire in the same turn.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { Deferred } from '../../core/primitives.js';
import { QueueService } from '../../control/sqs/queue-service.js';
import { SqliteQueueStore } from '../../store/sqlite/sqlite-queue-store.js';
import { MappingPoller } from './mapping-poller.js';

const root = mkdtempSync(join(tmpdir(), 'gust-mapping-poller-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const turn = () => new Promise((resolve) => setTimeout(resolve, 5));

it('scales up on a backlog, within the cap, and back down to five once the queue stays empty', async () => {
  const clock = new ManualClock();
  const store = SqliteQueueStore.open(join(root, 'sqs.db'));
  const queues = new QueueService({ store, partition: { region: 'us-east-1', accountId: '000000000000' }, clock });
  await queues.load();
  await queues.createQueue('q', {});
  for (let i = 0; i < 60; i++) await queues.send('q', { body: String(i) });
  let invoked = 0;
  // Every batch of a round finishes at once, as when the function's environments answer together.
  let gate = new Deferred<void>();
  const poller = new MappingPoller({
    mapping: { uuid: 'm', eventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:q', functionName: 'f', batchSize: 1, maximumBatchingWindowInSeconds: 0, reportBatchItemFailures: false, enabled: true, state: 'Enabled', stateTransitionReason: 'USER_INITIATED', lastProcessingResult: 'No records processed', tags: {}, lastModified: 0 },
    queueName: 'q',
    queueArn: 'arn:aws:sqs:us-east-1:000000000000:q',
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
    region: 'us-east-1',
    queues,
    invoke: async () => {
      invoked++;
      await gate.promise;
      return { statusCode: 200, payload: Buffer.from('null'), executedVersion: '$LATEST', requestId: `r${invoked}` };
    },
    cap: 12,
    clock,
    recordResult: () => undefined,
    report: (err) => {
      throw err;
    },
  });
  poller.start();
  try {
    for (let i = 0; i < 200 && invoked < 60; i++) {
      clock.advance(1_000);
      await turn();
      gate.resolve();
      gate = new Deferred<void>();
      await turn();
    }
    gate.resolve();
    expect(invoked).toBe(60);
    const peak = Math.max(...poller.report().history);
    expect(peak).toBeGreaterThan(5);
    expect(peak).toBeLessThanOrEqual(12);
    for (let i = 0; i < 20 && poller.report().pollers !== 5; i++) {
      clock.advance(1_000);
      await turn();
    }
    expect(poller.report().pollers).toBe(5);
    expect(Math.min(...poller.report().history.slice(1))).toBeGreaterThanOrEqual(5);
  } finally {
    await poller.stop();
    await queues.close();
    await store.close();
  }
});
