/**
 * Shared pieces of the SQS suites: an SQS SDK client for a test server, queue URLs, the
 * fixture handlers (Node.js, recording what they see in a file named by $OUT), and Gust's
 * own routes for queues and pollers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { TestGust } from '../helpers/gust.js';
import { waitFor } from '../helpers/wait.js';

export const ACCOUNT = '000000000000';
export const QUEUE_ARN_PREFIX = `arn:aws:sqs:us-east-1:${ACCOUNT}:`;

/** The real SDK client (JSON protocol), pointed at the server with dummy credentials. */
export function sqsClient(t: TestGust): SQSClient {
  return new SQSClient({ endpoint: t.url, region: t.config.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
}

export function queueUrl(t: TestGust, name: string): string {
  return `${t.url}/${ACCOUNT}/${name}`;
}

/**
 * A mapping's handler: appends `{id, body, receiveCount, group, start, end}` per record to
 * $OUT, sleeps `sleep` ms if a body says so, and reports as failed (ReportBatchItemFailures)
 * the records whose body has `"fail": true` or `"failUntil": n` while received at most n
 * times, or throws when one has `"throw": true`. $ANSWER, when set, is its answer instead.
 */
export const RECORDS_HANDLER = `
const fs = require('fs');
exports.handler = async (event) => {
  const start = Date.now();
  const bodies = event.Records.map((r) => { try { return JSON.parse(r.body); } catch { return {}; } });
  const sleep = Math.max(0, ...bodies.map((b) => b.sleep || 0));
  if (sleep) await new Promise((r) => setTimeout(r, sleep));
  const end = Date.now();
  const lines = event.Records.map((r, i) => JSON.stringify({ id: r.messageId, body: r.body, receiveCount: Number(r.attributes.ApproximateReceiveCount), group: r.attributes.MessageGroupId, batch: event.Records.length, start, end }));
  fs.appendFileSync(process.env.OUT, lines.join('\\n') + '\\n');
  if (bodies.some((b) => b.throw)) throw new Error('planned failure');
  if (process.env.ANSWER) return JSON.parse(process.env.ANSWER);
  const failed = (r, i) => bodies[i].fail || Number(r.attributes.ApproximateReceiveCount) <= (bodies[i].failUntil || 0);
  return { batchItemFailures: event.Records.filter(failed).map((r) => ({ itemIdentifier: r.messageId })) };
};
`;

export interface RecordLine {
  id: string;
  body: string;
  receiveCount: number;
  group?: string;
  batch: number;
  start: number;
  end: number;
}

/** The JSON lines of a file (none when it does not exist yet). */
export function lines<T = RecordLine>(path: string): T[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

export function waitForLines(path: string, n: number, timeoutMs = 30_000): Promise<RecordLine[]> {
  return waitFor(`${n} lines in ${path}`, () => {
    const all = lines(path);
    return all.length >= n ? all : undefined;
  }, timeoutMs, 50);
}

export interface QueueView {
  name: string;
  visible: number;
  inFlight: number;
  delayed: number;
}

export async function queueReport(t: TestGust, name: string): Promise<QueueView> {
  const res = await fetch(`${t.url}/gust/queues`);
  const { queues } = (await res.json()) as { queues: QueueView[] };
  const q = queues.find((x) => x.name === name);
  if (!q) throw new Error(`no queue ${name} in /gust/queues`);
  return q;
}

export interface PollerView {
  uuid: string;
  state: string;
  pollers: number;
  batchesInFlight: number;
  history: number[];
}

export async function pollerReport(t: TestGust, uuid: string): Promise<PollerView> {
  const res = await fetch(`${t.url}/gust/mappings`);
  const { mappings } = (await res.json()) as { mappings: PollerView[] };
  const m = mappings.find((x) => x.uuid === uuid);
  if (!m) throw new Error(`no mapping ${uuid} in /gust/mappings`);
  return m;
}

/** Waits until a queue has nothing visible, in flight or delayed. */
export function queueEmpty(t: TestGust, name: string, timeoutMs = 30_000): Promise<QueueView> {
  return waitFor(`queue ${name} to empty`, async () => {
    const q = await queueReport(t, name);
    return q.visible + q.inFlight + q.delayed === 0 ? q : undefined;
  }, timeoutMs, 50);
}
