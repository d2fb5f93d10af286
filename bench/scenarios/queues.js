/**
 * The SQS-compatible queues and their event source mappings:
 * - SendMessage/s and ReceiveMessage/s (one message per call) from `@aws-sdk/client-sqs`,
 *   CLIENTS concurrent loops;
 * - messages processed per second through a mapping (batch size 10, a queue filled while
 *   the mapping was disabled, timed from enabling it until the queue is empty) against
 *   the async path's events processed per second on the same no-op function (the same
 *   count, timed from the first 202 until the queue's `succeeded` counter has them all);
 * - SendMessage → handler start with an idle queue (pollers waiting): the handler records
 *   its start time in a file (the process driver lets it), the bench its own send time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { jsonRequest, keepAliveAgent, post } from '../lib/http-client.js';
import { HANDLERS } from '../lib/fixtures.js';
import { createFunction, invoke, invokeUrl, uniqueName } from '../lib/lambda.js';
import { stampHandler, triggerLatencies } from '../lib/trigger-latency.js';

const CLIENTS = 16;
const CALLS = 3000;
const MESSAGES = 5000;
const LATENCY_SAMPLES = 100;
const LIMIT_MS = 120_000;

const STAMP_HANDLER = stampHandler('r.body');

function sqsClient(gust) {
  return new SQSClient({ endpoint: gust.url, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, maxAttempts: 1 });
}

/** Runs `count` calls of `call` from CLIENTS loops; the rate in calls per second. */
async function rate(count, call) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < count) {
        next++;
        await call();
      }
    }),
  );
  return count / ((performance.now() - t0) / 1000);
}

async function until(what, check) {
  const t0 = performance.now();
  for (;;) {
    if (await check()) return;
    if (performance.now() - t0 > LIMIT_MS) throw new Error(`${what} did not happen within ${LIMIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function fill(sqs, QueueUrl, count) {
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < count) {
        const first = next;
        next += 10;
        const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: Math.min(10, count - first) }, (_, j) => ({ Id: `m${j}`, MessageBody: `{"n":${first + j}}` })) }));
        if (sent.Failed?.length) throw new Error(`SendMessageBatch failed: ${JSON.stringify(sent.Failed[0])}`);
      }
    }),
  );
}

async function queueDepth(agent, base, name) {
  const { queues } = await jsonRequest(agent, 'GET', `${base}/gust/queues`);
  const q = queues.find((x) => x.name === name);
  return q.visible + q.inFlight + q.delayed;
}

export async function queuesRound({ gust }) {
  const agent = keepAliveAgent(CLIENTS + 2);
  const sqs = sqsClient(gust);
  const out = mkdtempSync(join(tmpdir(), 'gust-bench-queues-'));
  try {
    // SendMessage/s, then ReceiveMessage/s (and a delete per message) on what was sent.
    const api = uniqueName('api');
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: api, Attributes: { VisibilityTimeout: '300' } }));
    const sendPerSecond = await rate(CALLS, async () => sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"bench":"sqs"}' })));
    const handles = [];
    const receivePerSecond = await rate(CALLS, async () => {
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 }));
      if (!got.Messages?.length) throw new Error('ReceiveMessage found the queue empty');
      handles.push(got.Messages[0].ReceiptHandle);
    });
    for (let i = 0; i < handles.length; i += 10) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: handles.slice(i, i + 10).map((h, j) => ({ Id: `d${j}`, ReceiptHandle: h })) }));

    // The same no-op function, first through the async queue, then through a mapping.
    const fn = uniqueName('esm');
    await createFunction(agent, gust.url, fn, HANDLERS.nodeNoop);
    await Promise.all(Array.from({ length: CLIENTS }, () => invoke(agent, gust.url, fn, Buffer.from('{}'))));
    const before = (await jsonRequest(agent, 'GET', `${gust.url}/gust/events`)).counters.succeeded ?? 0;
    const t0 = performance.now();
    await rate(MESSAGES, async () => {
      const res = await post(agent, invokeUrl(gust.url, fn), Buffer.from('{"n":1}'), { 'x-amz-invocation-type': 'Event' });
      if (res.status !== 202) throw new Error(`Event invoke answered ${res.status}`);
    });
    await until('the async events to run', async () => (await jsonRequest(agent, 'GET', `${gust.url}/gust/events`)).counters.succeeded - before >= MESSAGES);
    const asyncPerSecond = MESSAGES / ((performance.now() - t0) / 1000);

    const source = uniqueName('src');
    const { QueueUrl: sourceUrl } = await sqs.send(new CreateQueueCommand({ QueueName: source, Attributes: { VisibilityTimeout: '60' } }));
    await fill(sqs, sourceUrl, MESSAGES);
    const mapping = await jsonRequest(agent, 'POST', `${gust.url}/2015-03-31/event-source-mappings`, { FunctionName: fn, EventSourceArn: `arn:aws:sqs:us-east-1:000000000000:${source}`, BatchSize: 10, Enabled: false });
    await until('the mapping to settle', async () => (await jsonRequest(agent, 'GET', `${gust.url}/2015-03-31/event-source-mappings/${mapping.UUID}`)).State === 'Disabled');
    const m0 = performance.now();
    await jsonRequest(agent, 'PUT', `${gust.url}/2015-03-31/event-source-mappings/${mapping.UUID}`, { Enabled: true });
    await until('the mapping to drain the queue', async () => (await queueDepth(agent, gust.url, source)) === 0);
    const mappingPerSecond = MESSAGES / ((performance.now() - m0) / 1000);
    await jsonRequest(agent, 'DELETE', `${gust.url}/2015-03-31/event-source-mappings/${mapping.UUID}`);

    // SendMessage → handler start on an idle queue, one message at a time.
    const stamp = uniqueName('stamp');
    const file = join(out, 'stamps.txt');
    await createFunction(agent, gust.url, stamp, STAMP_HANDLER, { Environment: { Variables: { OUT: file } } });
    const quiet = uniqueName('quiet');
    const { QueueUrl: quietUrl } = await sqs.send(new CreateQueueCommand({ QueueName: quiet }));
    await jsonRequest(agent, 'POST', `${gust.url}/2015-03-31/event-source-mappings`, { FunctionName: stamp, EventSourceArn: `arn:aws:sqs:us-east-1:000000000000:${quiet}`, BatchSize: 1 });
    // A pause between messages, so that each finds the queue idle.
    const latency = await triggerLatencies(file, LATENCY_SAMPLES, (n) => sqs.send(new SendMessageCommand({ QueueUrl: quietUrl, MessageBody: String(n) })), { limitMs: LIMIT_MS, pauseMs: 20 });
    return { sendPerSecond, receivePerSecond, asyncPerSecond, mappingPerSecond, latencyP50: latency.p50, latencyP99: latency.p99 };
  } finally {
    sqs.destroy();
    agent.destroy();
    rmSync(out, { recursive: true, force: true });
  }
}
