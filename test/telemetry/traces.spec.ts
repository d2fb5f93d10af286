/**
 * OpenTelemetry traces end to end: a Gust with an OTLP endpoint sends one trace per invoke
 * to a real receiver, the function sees the same trace in `_X_AMZN_TRACE_ID` and
 * `TRACEPARENT`, a caller's `traceparent` is continued, and an S3 upload's trace runs on
 * through a bucket notification, an SQS queue and an event source mapping to the function.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateEventSourceMappingCommand, CreateFunctionUrlConfigCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { createFunction, invoke } from '../helpers/lambda.js';
import { waitFor } from '../helpers/wait.js';
import { allowPublicUrl } from '../function-urls/support.js';
import { s3Client } from '../s3/support.js';
import { sqsClient } from '../sqs/support.js';
import { OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

const ECHO = `
const fs = require('fs');
exports.handler = async (event) => {
  const seen = { xray: process.env._X_AMZN_TRACE_ID, traceparent: process.env.TRACEPARENT, awsTraceHeader: event.Records?.[0]?.attributes?.AWSTraceHeader };
  if (process.env.OUT && event.Records) fs.appendFileSync(process.env.OUT, JSON.stringify(seen) + '\\n');
  if (event.fail) throw new TypeError('planned');
  return seen;
};`;

interface Seen { xray: string; traceparent: string; awsTraceHeader?: string }

/** Sends `header: value` with every request of `client` while `fn` runs (as an instrumented caller would). */
async function withHeader<T>(client: { middlewareStack: { add: (...a: never[]) => void; remove: (name: string) => boolean } }, header: string, value: string, fn: () => Promise<T>): Promise<T> {
  const add = client.middlewareStack.add as unknown as (mw: unknown, options: unknown) => void;
  add((next: (args: unknown) => unknown) => (args: { request: { headers: Record<string, string> } }) => {
    args.request.headers[header] = value;
    return next(args);
  }, { step: 'build', name: 'testTraceHeader' });
  try {
    return await fn();
  } finally {
    client.middlewareStack.remove('testTraceHeader');
  }
}

/** The X-Ray header's trace id (root without `1-` and dashes) and parent. */
function xrayIds(header: string): { traceId: string; parent: string; sampled: string } {
  const m = /^Root=1-([0-9a-f]{8})-([0-9a-f]{24});Parent=([0-9a-f]{16});Sampled=([01])$/.exec(header);
  if (!m) throw new Error(`not an X-Ray header: ${header}`);
  return { traceId: m[1]! + m[2]!, parent: m[3]!, sampled: m[4]! };
}

describe('OpenTelemetry traces', () => {
  let t: TestGust;
  let receiver: OtlpReceiver;
  let dir: string;
  const out = () => join(dir, 'seen.jsonl');

  const rootOf = (traceId: string) => waitFor(`the run span of ${traceId}`, () => receiver.trace(traceId).find((s) => s.kind === 2), 10_000, 20);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gust-traces-'));
    receiver = await OtlpReceiver.start();
    t = await startTestGust({
      flags: { sandbox: 'process' },
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-token=s%3Dcret', OTEL_SERVICE_NAME: 'gust-under-test', OTEL_BSP_SCHEDULE_DELAY: '20' },
    });
    await createFunction(t.lambda, 'echo', { files: { 'index.js': ECHO }, Environment: { Variables: { OUT: out() } } });
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports one trace per invoke whose ids the function sees, with FaaS attributes and its phases as children', async () => {
    const first = await invoke(t.lambda, 'echo');
    const seen = first.json as Seen;
    const ids = xrayIds(seen.xray);
    expect(ids.sampled).toBe('1');
    expect(seen.traceparent).toBe(`00-${ids.traceId}-${ids.parent}-01`);

    const root = await rootOf(ids.traceId);
    expect(root).toMatchObject({ spanId: ids.parent, parentSpanId: undefined, name: 'echo', status: {} });
    expect(root.attributes).toEqual({
      'faas.invocation_id': first.requestId,
      'faas.trigger': 'other',
      'faas.invoked_name': 'echo',
      'faas.invoked_provider': 'aws',
      'faas.invoked_region': 'us-east-1',
      'faas.version': '$LATEST',
      'faas.coldstart': true,
      'cloud.account.id': '000000000000',
      'cloud.region': 'us-east-1',
      'gust.trigger': 'api',
    });
    expect(root.resource).toMatchObject({ 'service.name': 'gust-under-test' });
    const children = await waitFor('the run\'s phases', () => {
      const c = receiver.trace(ids.traceId).filter((s) => s.parentSpanId === root.spanId);
      return c.length >= 2 ? c : undefined;
    }, 10_000, 20);
    const names = children.map((s) => s.name);
    expect(names).toContain('Initialization');
    expect(names).toContain('Invocation');
    for (const c of children) {
      expect(c.startMs).toBeGreaterThanOrEqual(root.startMs);
      expect(c.endMs).toBeLessThanOrEqual(root.endMs);
    }
    expect(receiver.headers[0]?.['x-collector-token']).toBe('s=cret');

    // Warm: a new trace, no Initialization.
    const second = xrayIds(((await invoke(t.lambda, 'echo')).json as Seen).xray);
    expect(second.traceId).not.toBe(ids.traceId);
    const warm = await rootOf(second.traceId);
    expect(warm.attributes['faas.coldstart']).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.trace(second.traceId).map((s) => s.name)).not.toContain('Initialization');
  }, 30_000);

  it('continues a caller\'s traceparent, synchronously and through the async queue', async () => {
    const caller = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
    const seen = await withHeader(t.lambda, 'traceparent', `00-${caller.traceId}-${caller.spanId}-01`, () => invoke(t.lambda, 'echo'));
    const ids = xrayIds((seen.json as Seen).xray);
    expect(ids.traceId).toBe(caller.traceId);
    const root = await rootOf(caller.traceId);
    expect(root).toMatchObject({ spanId: ids.parent, parentSpanId: caller.spanId });

    const queued = { traceId: '5759e988bd862e3fe1be46a994272793', spanId: '53995c3f42cd8ad8' };
    await withHeader(t.lambda, 'x-amzn-trace-id', `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=${queued.spanId};Sampled=1`, () => invoke(t.lambda, 'echo', {}, { InvocationType: 'Event' }));
    const asyncRoot = await rootOf(queued.traceId);
    expect(asyncRoot).toMatchObject({ parentSpanId: queued.spanId });
    expect(asyncRoot.attributes['gust.trigger']).toBe('async');

    // Without a caller's trace, the event gets one when it is accepted: its run is a root in it.
    const before = receiver.spans.length;
    await invoke(t.lambda, 'echo', {}, { InvocationType: 'Event' });
    const own = await waitFor('the async run', () => receiver.spans.slice(before).find((s) => s.kind === 2 && s.attributes['gust.trigger'] === 'async'), 10_000, 20);
    expect(own.parentSpanId).toBeUndefined();
  }, 30_000);

  it('continues the trace of a function URL request, with faas.trigger http', async () => {
    const { FunctionUrl } = await t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'echo', AuthType: 'NONE' }));
    await allowPublicUrl(t.lambda, 'echo');
    const caller = { traceId: 'a3ce929d0e0e47364bf92f3577b34da6', spanId: 'b7ad6b7169203331' };
    const res = await fetch(FunctionUrl!, { method: 'POST', body: '{}', headers: { traceparent: `00-${caller.traceId}-${caller.spanId}-01` } });
    const seen = (await res.json()) as Seen;
    expect(xrayIds(seen.xray).traceId).toBe(caller.traceId);
    const root = await rootOf(caller.traceId);
    expect(root).toMatchObject({ parentSpanId: caller.spanId, spanId: xrayIds(seen.xray).parent });
    expect(root.attributes).toMatchObject({ 'faas.trigger': 'http', 'gust.trigger': 'url' });
  }, 30_000);

  it('marks a failed run as an error', async () => {
    const failed = await invoke(t.lambda, 'echo', { fail: true });
    expect(failed.functionError).toBe('Unhandled');
    const root = await waitFor('the failed run', () => receiver.spans.find((s: ReceivedSpan) => s.kind === 2 && s.attributes['faas.invocation_id'] === failed.requestId), 10_000, 20);
    expect(root.status).toMatchObject({ code: 2, message: 'TypeError' });
    expect(root.attributes['error.type']).toBe('TypeError');
  }, 30_000);

  it('keeps one trace from an S3 upload through a bucket notification, an SQS queue and a mapping to the function', async () => {
    const s3 = s3Client(t);
    const sqs = sqsClient(t);
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'traced-uploads' }));
      await s3.send(new CreateBucketCommand({ Bucket: 'traced' }));
      await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'traced', NotificationConfiguration: { QueueConfigurations: [{ QueueArn: 'arn:aws:sqs:us-east-1:000000000000:traced-uploads', Events: ['s3:ObjectCreated:*'] }] } }));
      // S3's test event goes first, with no trace: taken off the queue before the mapping polls.
      const test = await waitFor('the test event', async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }))).Messages?.[0], 10_000, 10);
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: test.ReceiptHandle }));
      await t.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:traced-uploads', BatchSize: 1 }));

      const upload = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };
      await withHeader(s3, 'traceparent', `00-${upload.traceId}-${upload.spanId}-01`, () => s3.send(new PutObjectCommand({ Bucket: 'traced', Key: 'a.txt', Body: 'traced' })));

      const root = await rootOf(upload.traceId);
      expect(root).toMatchObject({ parentSpanId: upload.spanId, name: 'echo' });
      expect(root.attributes).toMatchObject({ 'faas.trigger': 'pubsub', 'gust.trigger': 'sqs' });
      const seen = await waitFor('the function\'s view', () => {
        const lines = readFileSync(out(), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Seen);
        return lines.find((l) => l.awsTraceHeader !== undefined);
      }, 10_000, 20);
      expect(seen.awsTraceHeader).toBe(`Root=1-0af76519-16cd43dd8448eb211c80319c;Parent=${upload.spanId};Sampled=1`);
      expect(xrayIds(seen.xray)).toEqual({ traceId: upload.traceId, parent: root.spanId, sampled: '1' });
      expect(seen.traceparent).toBe(`00-${upload.traceId}-${root.spanId}-01`);
    } finally {
      s3.destroy();
      sqs.destroy();
    }
  }, 60_000);
});
