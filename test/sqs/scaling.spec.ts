/**
 * Pollers scale as AWS documents for SQS: five concurrent batches to start with, more
 * (at most five a second) while a backlog remains, never beyond ScalingConfig's
 * MaximumConcurrency or the function's reserved concurrency, and back to five once the
 * queue drains. Read from both sides: the pollers' history (`GET /gust/mappings`) and the
 * overlap of invocations the handler recorded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateEventSourceMappingCommand, GetEventSourceMappingCommand, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { createFunction } from '../helpers/lambda.js';
import { waitFor } from '../helpers/wait.js';
import { QUEUE_ARN_PREFIX, RECORDS_HANDLER, pollerReport, queueEmpty, queueUrl, sqsClient, waitForLines, type RecordLine } from './support.js';

/** The most invocations that ran at the same time. */
function maxOverlap(lines: RecordLine[]): number {
  const edges = lines.flatMap((l) => [[l.start, 1], [l.end, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (now += d));
  return max;
}

describe('event source mappings: scaling', () => {
  let t: TestGust;
  let sqs: SQSClient;
  let out: string;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'gust-esm-scaling-'));
    t = await startTestGust({ flags: { sandbox: 'process' } });
    sqs = sqsClient(t);
  });
  afterAll(async () => {
    sqs?.destroy();
    await t?.stop();
    rmSync(out, { recursive: true, force: true });
  });

  async function backlog(queue: string, n: number, sleep: number): Promise<void> {
    await sqs.send(new CreateQueueCommand({ QueueName: queue, Attributes: { VisibilityTimeout: '30' } }));
    for (let i = 0; i < n; i += 10) {
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl(t, queue), Entries: Array.from({ length: Math.min(10, n - i) }, (_, j) => ({ Id: `m${j}`, MessageBody: JSON.stringify({ n: i + j, sleep }) })) }));
    }
  }

  it('starts at five, grows by at most five a second while the backlog lasts, stops at MaximumConcurrency, and comes back to five', { timeout: 90_000 }, async () => {
    const file = join(out, 'capped.jsonl');
    await createFunction(t.lambda, 'capped', { files: { 'index.js': RECORDS_HANDLER }, Timeout: 5, Environment: { Variables: { OUT: file } } });
    await backlog('deep', 150, 300);
    const m = await t.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'capped', EventSourceArn: `${QUEUE_ARN_PREFIX}deep`, BatchSize: 1, ScalingConfig: { MaximumConcurrency: 12 } }));
    const seen = await waitForLines(file, 150, 60_000);
    await queueEmpty(t, 'deep');
    const overlap = maxOverlap(seen);
    expect(overlap).toBeGreaterThan(5);
    expect(overlap).toBeLessThanOrEqual(12);
    const report = await waitFor('the pollers back at five', async () => {
      const r = await pollerReport(t, m.UUID!);
      return r.pollers === 5 ? r : undefined;
      // Generous: on a loaded machine the pollers' empty receives that end the scale-down come late.
    }, 30_000);
    const history = report.history;
    expect(history[0]).toBe(5);
    expect(Math.max(...history)).toBe(12);
    for (let i = 1; i < history.length; i++) {
      if (history[i]! > history[i - 1]!) expect(history[i]! - history[i - 1]!, `step ${i} of ${history.join(' ')}`).toBeLessThanOrEqual(5);
    }
    expect(history.at(-1)).toBe(5);
  });

  it("never runs more batches than the function's reserved concurrency, and is not throttled by it", { timeout: 60_000 }, async () => {
    const file = join(out, 'reserved.jsonl');
    await createFunction(t.lambda, 'reserved', { files: { 'index.js': RECORDS_HANDLER }, Timeout: 5, Environment: { Variables: { OUT: file } } });
    await t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'reserved', ReservedConcurrentExecutions: 3 }));
    await backlog('narrow', 30, 200);
    const m = await t.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'reserved', EventSourceArn: `${QUEUE_ARN_PREFIX}narrow`, BatchSize: 1 }));
    const seen = await waitForLines(file, 30, 40_000);
    expect(maxOverlap(seen)).toBeLessThanOrEqual(3);
    expect(Math.max(...(await pollerReport(t, m.UUID!)).history)).toBeLessThanOrEqual(3);
    expect((await t.lambda.send(new GetEventSourceMappingCommand({ UUID: m.UUID }))).LastProcessingResult).toBe('OK');
    // Each message exactly once: nothing was throttled and left to come back.
    expect(new Set(seen.map((l) => l.id)).size).toBe(30);
    expect(seen).toHaveLength(30);
  });
});
