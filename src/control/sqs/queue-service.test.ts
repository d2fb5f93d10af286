/**
 * The queue engine's semantics on a ManualClock and a real SQLite store: visibility,
 * delays, redrive, retention, FIFO groups and deduplication, long polls woken by events,
 * receipt handles, and a restart from the store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { md5Hex } from '../../core/sqs-digests.js';
import { SqsError } from '../../core/sqs-errors.js';
import { SqliteQueueStore } from '../../store/sqlite/sqlite-queue-store.js';
import { QueueService } from './queue-service.js';

const partition = { region: 'us-east-1', accountId: '000000000000' };
const root = mkdtempSync(join(tmpdir(), 'gust-queue-service-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
const open: { service: QueueService; store: SqliteQueueStore }[] = [];
afterEach(async () => {
  for (const { service, store } of open.splice(0)) {
    await service.close();
    await store.close();
  }
});

async function start(clock = new ManualClock(), path = join(root, `sqs-${n++}.db`)) {
  const store = SqliteQueueStore.open(path);
  const service = new QueueService({ store, partition, clock });
  await service.load();
  open.push({ service, store });
  return { service, clock, store, path };
}

async function codeOf(promise: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (err) {
    if (err instanceof SqsError) return err.queryCode;
    throw err;
  }
  throw new Error('expected an SQS error');
}

const bodies = (received: { message: { body: string } }[]) => received.map((r) => r.message.body);

describe('standard queues', () => {
  it('hides a received message for the visibility timeout, then hands it out again with a new receipt', async () => {
    const { service, clock } = await start();
    await service.createQueue('q', { VisibilityTimeout: '10' });
    await service.send('q', { body: 'a' });
    const [first] = await service.receive('q', { max: 10 });
    expect(first!.message.state.receiveCount).toBe(1);
    expect(await service.receive('q', { max: 10 })).toEqual([]);
    expect(service.getAttributes('q', ['ApproximateNumberOfMessagesNotVisible']).ApproximateNumberOfMessagesNotVisible).toBe('1');
    clock.advance(10_000);
    const [again] = await service.receive('q', { max: 10 });
    expect(again!.message.id).toBe(first!.message.id);
    expect(again!.message.state.receiveCount).toBe(2);
    // The first receipt is stale: deleting with it succeeds and deletes nothing.
    await service.deleteMessage('q', first!.receiptHandle);
    expect(service.getAttributes('q', ['ApproximateNumberOfMessagesNotVisible']).ApproximateNumberOfMessagesNotVisible).toBe('1');
    await service.deleteMessage('q', again!.receiptHandle);
    await service.deleteMessage('q', again!.receiptHandle);
    expect(service.report()[0]).toMatchObject({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('delays messages (queue default and per message) and counts them as delayed', async () => {
    const { service, clock } = await start();
    await service.createQueue('q', { DelaySeconds: '5' });
    await service.send('q', { body: 'queue-delay' });
    await service.send('q', { body: 'own-delay', delaySeconds: 1 });
    await service.send('q', { body: 'no-delay', delaySeconds: 0 });
    expect(service.report()[0]).toMatchObject({ visible: 1, delayed: 2 });
    expect(bodies(await service.receive('q', { max: 10, visibilityTimeoutSeconds: 100 }))).toEqual(['no-delay']);
    clock.advance(1_000);
    expect(bodies(await service.receive('q', { max: 10, visibilityTimeoutSeconds: 100 }))).toEqual(['own-delay']);
    clock.advance(4_000);
    expect(bodies(await service.receive('q', { max: 10, visibilityTimeoutSeconds: 100 }))).toEqual(['queue-delay']);
  });

  it('changes visibility: 0 returns a message at once, beyond 12 hours since the receive is refused', async () => {
    const { service } = await start();
    await service.createQueue('q');
    await service.send('q', { body: 'a' });
    const [r] = await service.receive('q', { max: 1 });
    expect(await codeOf(service.changeVisibility('q', r!.receiptHandle, 43_201))).toBe('InvalidParameterValue');
    await service.changeVisibility('q', r!.receiptHandle, 0);
    expect(await codeOf(service.changeVisibility('q', r!.receiptHandle, 5))).toBe('AWS.SimpleQueueService.MessageNotInflight');
    const [again] = await service.receive('q', { max: 1 });
    expect(again!.message.body).toBe('a');
    expect(await codeOf(service.changeVisibility('q', r!.receiptHandle, 5))).toBe('InvalidParameterValue');
    expect(await codeOf(service.changeVisibility('q', 'bm90IGEgaGFuZGxl', 5))).toBe('ReceiptHandleIsInvalid');
  });

  it('moves a message to the dead-letter queue on the receive after maxReceiveCount', async () => {
    const { service } = await start();
    await service.createQueue('dlq');
    await service.createQueue('src', { VisibilityTimeout: '0', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: service.arnOf('dlq'), maxReceiveCount: '2' }) });
    await service.send('src', { body: 'poison', messageAttributes: { k: { dataType: 'String', stringValue: 'v' } } });
    expect(await service.receive('src', { max: 1 })).toHaveLength(1);
    expect(await service.receive('src', { max: 1 })).toHaveLength(1);
    expect(await service.receive('src', { max: 1 })).toEqual([]);
    const [moved] = await service.receive('dlq', { max: 1 });
    expect(moved!.message).toMatchObject({ body: 'poison', deadLetterSourceArn: service.arnOf('src'), messageAttributes: { k: { dataType: 'String', stringValue: 'v' } } });
    expect(service.deadLetterSources('dlq').names).toEqual(['src']);
  });

  it('drops messages older than the retention period', async () => {
    const { service, clock } = await start();
    await service.createQueue('q', { MessageRetentionPeriod: '60' });
    await service.send('q', { body: 'old' });
    clock.advance(30_000);
    await service.send('q', { body: 'new' });
    clock.advance(30_000);
    expect(bodies(await service.receive('q', { max: 10 }))).toEqual(['new']);
  });

  it('purges once a minute', async () => {
    const { service, clock } = await start();
    await service.createQueue('q');
    await service.send('q', { body: 'a' });
    await service.purgeQueue('q');
    expect(await codeOf(service.purgeQueue('q'))).toBe('AWS.SimpleQueueService.PurgeQueueInProgress');
    clock.advance(60_000);
    await service.purgeQueue('q');
    expect(await service.receive('q', { max: 10 })).toEqual([]);
  });
});

describe('long polls', () => {
  it('answer the moment a message arrives, and empty when their time is up', async () => {
    const { service, clock } = await start();
    await service.createQueue('q');
    const waiting = service.receive('q', { max: 10, waitSeconds: 20 });
    await new Promise((r) => setImmediate(r));
    await service.send('q', { body: 'now' });
    expect(bodies(await waiting)).toEqual(['now']);
    const empty = service.receive('q', { max: 10, waitSeconds: 20 });
    clock.advance(20_000);
    expect(await empty).toEqual([]);
  });

  it('wake when a delayed or in-flight message becomes visible, and end on abort or queue deletion', async () => {
    const { service, clock } = await start();
    await service.createQueue('q');
    await service.send('q', { body: 'later', delaySeconds: 3 });
    const waiting = service.receive('q', { max: 10, waitForever: true });
    clock.advance(3_000);
    expect(bodies(await waiting)).toEqual(['later']);
    const controller = new AbortController();
    const aborted = service.receive('q', { max: 10, waitForever: true }, controller.signal);
    controller.abort();
    expect(await aborted).toEqual([]);
    const orphan = service.receive('q', { max: 10, waitForever: true });
    await new Promise((r) => setImmediate(r));
    await service.deleteQueue('q');
    expect(await orphan).toEqual([]);
  });
});

describe('FIFO queues', () => {
  it('keeps each group in order and locks a group while any of it is in flight', async () => {
    const { service, clock } = await start();
    await service.createQueue('q.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true', VisibilityTimeout: '5' });
    for (const [g, b] of [['a', 'a1'], ['b', 'b1'], ['a', 'a2'], ['b', 'b2'], ['a', 'a3']]) await service.send('q.fifo', { body: b!, groupId: g! });
    const first = await service.receive('q.fifo', { max: 2 });
    expect(bodies(first)).toEqual(['a1', 'a2']);
    // Group a is locked: only b can be received.
    expect(bodies(await service.receive('q.fifo', { max: 10 }))).toEqual(['b1', 'b2']);
    await service.deleteMessage('q.fifo', first[0]!.receiptHandle);
    expect(await service.receive('q.fifo', { max: 10 })).toEqual([]);
    // a2 times out: the group resumes from a2, before a3.
    clock.advance(5_000);
    expect(bodies(await service.receive('q.fifo', { max: 10 }))).toEqual(['a2', 'a3', 'b1', 'b2']);
  });

  it('drops a duplicate inside five minutes, answering with the first message and this request\'s digest', async () => {
    const { service, clock } = await start();
    await service.createQueue('d.fifo', { FifoQueue: 'true' });
    const first = await service.send('d.fifo', { body: 'x', groupId: 'g', deduplicationId: 'same' });
    const dup = await service.send('d.fifo', { body: 'different', groupId: 'g', deduplicationId: 'same' });
    expect(dup).toEqual({ ...first, md5OfBody: md5Hex('different') });
    expect(service.report()[0]).toMatchObject({ visible: 1 });
    clock.advance(5 * 60_000);
    const later = await service.send('d.fifo', { body: 'y', groupId: 'g', deduplicationId: 'same' });
    expect(later.messageId).not.toBe(first.messageId);
    expect(Number(later.sequenceNumber)).toBeGreaterThan(Number(first.sequenceNumber));
    expect(await codeOf(service.send('d.fifo', { body: 'z', groupId: 'g' }))).toBe('InvalidParameterValue');
    expect(await codeOf(service.send('d.fifo', { body: 'z', deduplicationId: 'x' }))).toBe('MissingParameter');
  });

  it('answers a retried receive attempt with the same messages and receipts', async () => {
    const { service } = await start();
    await service.createQueue('r.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    await service.send('r.fifo', { body: 'one', groupId: 'g' });
    const first = await service.receive('r.fifo', { max: 10, attemptId: 'try-1' });
    const retried = await service.receive('r.fifo', { max: 10, attemptId: 'try-1' });
    expect(retried.map((r) => r.receiptHandle)).toEqual(first.map((r) => r.receiptHandle));
    await service.deleteMessage('r.fifo', first[0]!.receiptHandle);
    expect(await service.receive('r.fifo', { max: 10, attemptId: 'try-1' })).toEqual([]);
  });
});

describe('restart', () => {
  it('keeps queues, messages, in-flight state and deduplication ids', async () => {
    const clock = new ManualClock();
    const first = await start(clock);
    await first.service.createQueue('q', { VisibilityTimeout: '30' });
    await first.service.createQueue('f.fifo', { FifoQueue: 'true' });
    await first.service.send('q', { body: 'kept' });
    await first.service.send('q', { body: 'in-flight' });
    const sent = await first.service.send('f.fifo', { body: 'x', groupId: 'g', deduplicationId: 'd' });
    await first.service.receive('q', { max: 1 });
    await first.service.close();
    await first.store.close();
    open.splice(0);

    const second = await start(clock, first.path);
    expect(second.service.report().find((r) => r.name === 'q')).toMatchObject({ visible: 1, inFlight: 1 });
    expect((await second.service.send('f.fifo', { body: 'x', groupId: 'g', deduplicationId: 'd' })).messageId).toBe(sent.messageId);
    clock.advance(30_000);
    expect(bodies(await second.service.receive('q', { max: 10 })).sort()).toEqual(['in-flight', 'kept']);
  });
});
