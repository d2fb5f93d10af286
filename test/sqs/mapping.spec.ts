/**
 * Event source mappings end to end: real queues, real pollers, real Node.js functions
 * (on the process driver, so that they can record what they see in a host file). Each test
 * is one of the cases, most of them mistakes users reported against other
 * emulators: 1,000 messages with reported item failures ending in the DLQ; filters per
 * record; FIFO order per group under failures; a disabled mapping never fires; empty,
 * missing and malformed batchItemFailures; failed items to the OnFailure destination;
 * batch size and window; mappings resume after a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateEventSourceMappingCommand, GetEventSourceMappingCommand, UpdateEventSourceMappingCommand, type CreateEventSourceMappingCommandInput } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { createFunction } from '../helpers/lambda.js';
import { waitFor } from '../helpers/wait.js';
import { QUEUE_ARN_PREFIX, RECORDS_HANDLER, lines, queueEmpty, queueReport, queueUrl, sqsClient, waitForLines } from './support.js';

describe('event source mappings: pollers', () => {
  let t: TestGust;
  let sqs: SQSClient;
  let out: string;
  let dataDir: string;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'gust-esm-out-'));
    dataDir = mkdtempSync(join(tmpdir(), 'gust-esm-data-'));
    t = await startTestGust({ dataDir, flags: { sandbox: 'process' } });
    sqs = sqsClient(t);
  });
  afterAll(async () => {
    sqs?.destroy();
    await t?.stop();
    rmSync(out, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A queue, a function recording into its own file, and (unless told otherwise) an enabled mapping between them. */
  async function setup(name: string, options: { queue?: Record<string, string>; fn?: Record<string, string>; timeout?: number; mapping?: Partial<CreateEventSourceMappingCommandInput> } = {}) {
    const file = join(out, `${name}.jsonl`);
    const fifo = name.endsWith('.fifo');
    const fnName = name.replace('.fifo', '-fifo');
    await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '5', ...(fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'true' } : {}), ...options.queue } }));
    await createFunction(t.lambda, fnName, { files: { 'index.js': RECORDS_HANDLER }, Timeout: options.timeout ?? 1, Environment: { Variables: { OUT: file, ...options.fn } } });
    const mapping = await t.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: fnName, EventSourceArn: `${QUEUE_ARN_PREFIX}${name}`, ...options.mapping } as CreateEventSourceMappingCommandInput));
    return { file, url: queueUrl(t, name), uuid: mapping.UUID! };
  }

  async function sendBodies(url: string, bodies: unknown[], group?: (i: number) => string): Promise<void> {
    for (let i = 0; i < bodies.length; i += 10) {
      const entries = bodies.slice(i, i + 10).map((b, j) => ({ Id: `m${i + j}`, MessageBody: JSON.stringify(b), ...(group ? { MessageGroupId: group(i + j) } : {}) }));
      const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
      expect(sent.Failed ?? []).toEqual([]);
    }
  }

  it('1,000 messages in batches of 10: exactly the reported items come back, and after maxReceiveCount sit in the DLQ', { timeout: 120_000 }, async () => {
    await sqs.send(new CreateQueueCommand({ QueueName: 'bulk-dlq' }));
    const { file, url } = await setup('bulk', {
      // A visibility timeout well above a batch's time even on a loaded machine: a message
      // whose batch outlived it would be received again behind the handler's back.
      timeout: 3,
      queue: { VisibilityTimeout: '10', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: `${QUEUE_ARN_PREFIX}bulk-dlq`, maxReceiveCount: 3 }) },
      mapping: { BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] },
    });
    const bodies = Array.from({ length: 1000 }, (_, n) => ({ n, ...(n % 40 === 7 ? { fail: true } : {}) }));
    await sendBodies(url, bodies);
    const failing = bodies.filter((b) => b.fail).map((b) => b.n);
    // Every message once, and each failing one maxReceiveCount (3) times.
    const seen = await waitForLines(file, 1000 + failing.length * 2, 90_000);
    await queueEmpty(t, 'bulk', 30_000);
    const counts = new Map<number, number>();
    for (const line of seen) counts.set((JSON.parse(line.body) as { n: number }).n, (counts.get((JSON.parse(line.body) as { n: number }).n) ?? 0) + 1);
    expect(counts.size).toBe(1000);
    for (const [n, count] of counts) expect(count, `message ${n}`).toBe(failing.includes(n) ? 3 : 1);
    expect(Math.max(...seen.map((l) => l.batch))).toBeLessThanOrEqual(10);
    const dead: number[] = [];
    for (;;) {
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl(t, 'bulk-dlq'), MaxNumberOfMessages: 10, VisibilityTimeout: 60 }));
      if (!got.Messages) break;
      dead.push(...got.Messages.map((m) => (JSON.parse(m.Body!) as { n: number }).n));
    }
    expect(dead.sort((a, b) => a - b)).toEqual(failing);
  });

  it('filters each record on its own, and deletes the records filtered out', async () => {
    const { file, url } = await setup('filtered', { mapping: { FilterCriteria: { Filters: [{ Pattern: '{"body":{"keep":[true]}}' }] }, BatchSize: 10, MaximumBatchingWindowInSeconds: 1 } });
    await sendBodies(url, [{ keep: true, n: 1 }, { keep: false, n: 2 }, { n: 3 }, { keep: true, n: 4 }]);
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'plain', MessageBody: 'not json' }] }));
    await queueEmpty(t, 'filtered');
    const seen = lines(file).map((l) => (JSON.parse(l.body) as { n: number }).n).sort();
    expect(seen).toEqual([1, 4]);
  });

  it('keeps FIFO order within each group under failures; a failing group holds only itself', { timeout: 60_000 }, async () => {
    const { file, url } = await setup('ordered.fifo', { queue: { VisibilityTimeout: '2' }, mapping: { BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] } });
    // Group a's second message fails on its first delivery; group b never fails.
    const bodies = [0, 1, 2, 3, 4, 5].flatMap((n) => [{ g: 'a', n, ...(n === 1 ? { failUntil: 1 } : {}) }, { g: 'b', n }]);
    await sendBodies(url, bodies, (i) => bodies[i]!.g);
    await queueEmpty(t, 'ordered.fifo', 30_000);
    const seen = lines(file).map((l) => ({ ...(JSON.parse(l.body) as { g: string; n: number }), receiveCount: l.receiveCount, start: l.start }));
    // Each message's last delivery (the one after which it was deleted) comes in send order, per group.
    const lastDeliveries = (g: string) => {
      const last = new Map<number, number>();
      seen.forEach((s, i) => s.g === g && last.set(s.n, i));
      return [...last.entries()].sort((x, y) => x[1] - y[1]).map(([n]) => n);
    };
    expect(lastDeliveries('a')).toEqual([0, 1, 2, 3, 4, 5]);
    expect(lastDeliveries('b')).toEqual([0, 1, 2, 3, 4, 5]);
    // a1 failed: a2..a5 came back with it, after its visibility timeout; b finished meanwhile.
    const a1Retry = seen.find((s) => s.g === 'a' && s.n === 1 && s.receiveCount === 2)!;
    expect(seen.filter((s) => s.g === 'a' && s.n > 1 && s.start >= a1Retry.start).map((s) => s.n)).toEqual([2, 3, 4, 5]);
    expect(seen.filter((s) => s.g === 'b').every((s) => s.start <= a1Retry.start)).toBe(true);
  });

  it('never fires a disabled mapping, and fires once it is enabled', async () => {
    const { file, url, uuid } = await setup('disabled', { mapping: { Enabled: false } });
    await waitFor('Disabled', async () => ((await t.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State === 'Disabled' ? true : undefined));
    await sendBodies(url, [{ n: 1 }, { n: 2 }]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(lines(file)).toEqual([]);
    expect(await queueReport(t, 'disabled')).toMatchObject({ visible: 2, inFlight: 0 });
    await t.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
    await waitForLines(file, 2);
    await queueEmpty(t, 'disabled');
  });

  it('takes an empty or missing batchItemFailures as success and a malformed item identifier as a failed batch', { timeout: 60_000 }, async () => {
    const answers = { empty: '{"batchItemFailures":[]}', missing: '{}', malformed: '{"batchItemFailures":[{"itemIdentifier":"no-such-message"}]}' };
    const files: Record<string, string> = {};
    for (const [name, answer] of Object.entries(answers)) {
      const { file, url } = await setup(`answer-${name}`, { queue: { VisibilityTimeout: '1' }, fn: { ANSWER: answer }, mapping: { FunctionResponseTypes: ['ReportBatchItemFailures'] } });
      files[name] = file;
      await sendBodies(url, [{ n: 1 }]);
    }
    await queueEmpty(t, 'answer-empty');
    await queueEmpty(t, 'answer-missing');
    // The malformed answer failed the batch: the message comes back after its visibility timeout.
    const retried = await waitForLines(files.malformed!, 2);
    expect(retried.map((l) => l.receiveCount)).toEqual([1, 2]);
    expect(lines(files.empty!)).toHaveLength(1);
    expect(lines(files.missing!)).toHaveLength(1);
  });

  it("sends failed items to the mapping's OnFailure queue", async () => {
    await sqs.send(new CreateQueueCommand({ QueueName: 'failures' }));
    const { file, url, uuid } = await setup('throwing', { mapping: { DestinationConfig: { OnFailure: { Destination: `${QUEUE_ARN_PREFIX}failures` } } } });
    await sendBodies(url, [{ throw: true }]);
    await waitForLines(file, 1);
    const got = await waitFor('a failure record', async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl(t, 'failures'), WaitTimeSeconds: 1 }))).Messages?.[0]);
    const record = JSON.parse(got.Body!) as { requestContext: { condition: string; functionArn: string }; responseContext: { functionError: string }; SQSBatchInfo: { queueArn: string; messageIds: string[] } };
    expect(record.requestContext).toMatchObject({ condition: 'FunctionError', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:throwing' });
    expect(record.responseContext.functionError).toBe('Unhandled');
    expect(record.SQSBatchInfo).toMatchObject({ queueArn: `${QUEUE_ARN_PREFIX}throwing` });
    expect(record.SQSBatchInfo.messageIds).toEqual([lines(file)[0]!.id]);
    expect((await t.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).LastProcessingResult).toBe('PROBLEM: Function call failed');
    await t.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
  });

  it('gathers up to the batch size within the window, and no more', { timeout: 60_000 }, async () => {
    const { file, url } = await setup('windowed', { mapping: { BatchSize: 25, MaximumBatchingWindowInSeconds: 2 } });
    // Three messages apart in time: one invocation, once the window closes.
    for (const n of [1, 2, 3]) {
      await sendBodies(url, [{ n }]);
      await new Promise((r) => setTimeout(r, 150));
    }
    const [first] = await waitForLines(file, 3);
    expect(first!.batch).toBe(3);
    // Sixty at once: batches of at most 25, at least one of them full.
    await sendBodies(url, Array.from({ length: 60 }, (_, n) => ({ n: 10 + n })));
    const seen = await waitForLines(file, 63);
    const batches = seen.slice(3).map((l) => l.batch);
    expect(Math.max(...batches)).toBe(25);
  });

  it('resumes mappings after a restart', { timeout: 60_000 }, async () => {
    const { file, url: before, uuid } = await setup('resumed');
    await sendBodies(before, [{ n: 1 }]);
    await waitForLines(file, 1);
    sqs.destroy();
    await t.stop();
    t = await startTestGust({ dataDir, flags: { sandbox: 'process' } });
    sqs = sqsClient(t);
    expect((await t.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State).toBe('Enabled');
    await sendBodies(queueUrl(t, 'resumed'), [{ n: 2 }]);
    const seen = await waitForLines(file, 2);
    expect(seen.map((l) => (JSON.parse(l.body) as { n: number }).n)).toEqual([1, 2]);
  });
});
