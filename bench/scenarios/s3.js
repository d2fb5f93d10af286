/**
 * The S3-compatible object store, each figure beside the same work done on local disk by
 * Node in the same run (write + fsync + rename per object, as Gust stores one; a plain read):
 * - PutObject/s and GetObject/s of 1 KB objects from `@aws-sdk/client-s3`, CLIENTS loops,
 *   and the same from plain keep-alive HTTP requests (the SDK's own CPU is most of the
 *   first figure on a small machine);
 * - PutObject and GetObject MB/s of 8 MB objects, one at a time;
 * - upload → handler start with a bucket notification to a warm function (the handler
 *   records its start time in a file; the process driver lets it);
 * - Gust's peak RSS while a 1 GiB body streams into one PutObject (sampled every 20 ms).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { keepAliveAgent } from '../lib/http-client.js';
import { addPermission, createFunction, uniqueName } from '../lib/lambda.js';
import { stampHandler, triggerLatencies } from '../lib/trigger-latency.js';
import { rssOf } from '../lib/proc.js';

const CLIENTS = 16;
const SMALL = 2000;
const LARGE = 10;
const LATENCY_SAMPLES = 50;
const GIB = 1024 ** 3;
const LIMIT_MS = 60_000;
const AUTH = 'AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0';

const STAMP_HANDLER = stampHandler('r.s3.object.key');

/** A plain S3 request on the keep-alive agent; resolves with the status once the body is read. */
function plain(agent, method, url, body) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers: { authorization: AUTH, ...(body ? { 'content-length': body.length } : {}) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${method} ${url} answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function loops(count, call) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < count) await call(next++);
    }),
  );
  return count / ((performance.now() - t0) / 1000);
}

/** What Gust does to keep an object, without Gust: write, fsync, rename into place. */
async function diskWrite(dir, name, bytes) {
  const tmp = join(dir, `${name}.tmp`);
  const f = await open(tmp, 'w');
  await f.write(bytes);
  await f.sync();
  await f.close();
  await rename(tmp, join(dir, name));
}

/** A 1 GiB body streamed to a plain PutObject into `bucket`; Gust's RSS sampled meanwhile. */
function streamGiB(gust, agent, bucket) {
  const chunk = randomBytes(1024 * 1024);
  return new Promise((resolve, reject) => {
    let peak = rssOf(gust.pid);
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(gust.pid))), 20);
    const t0 = performance.now();
    const req = request(`${gust.url}/${bucket}/one-gib`, { method: 'PUT', agent, headers: { authorization: AUTH, 'content-length': GIB } }, (res) => {
      res.resume();
      res.on('end', () => {
        clearInterval(sampler);
        if (res.statusCode !== 200) reject(new Error(`the 1 GiB PutObject answered ${res.statusCode}`));
        else resolve({ peakMb: peak / 1024 / 1024, seconds: (performance.now() - t0) / 1000 });
      });
    });
    req.on('error', (err) => {
      clearInterval(sampler);
      reject(err);
    });
    let sent = 0;
    const write = () => {
      while (sent < GIB) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

export async function s3Round({ gust }) {
  const agent = keepAliveAgent(CLIENTS + 2);
  const s3 = new S3Client({ endpoint: gust.url, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, forcePathStyle: true, maxAttempts: 1 });
  const disk = mkdtempSync(join(tmpdir(), 'gust-bench-s3-'));
  try {
    const Bucket = uniqueName('bench').toLowerCase();
    await s3.send(new CreateBucketCommand({ Bucket }));
    const small = randomBytes(1024);
    const putSmall = await loops(SMALL, (i) => s3.send(new PutObjectCommand({ Bucket, Key: `small/${i}`, Body: small })));
    const getSmall = await loops(SMALL, async (i) => (await s3.send(new GetObjectCommand({ Bucket, Key: `small/${i}` }))).Body.transformToByteArray());
    const rawPutSmall = await loops(SMALL, (i) => plain(agent, 'PUT', `${gust.url}/${Bucket}/raw/${i}`, small));
    const rawGetSmall = await loops(SMALL, (i) => plain(agent, 'GET', `${gust.url}/${Bucket}/raw/${i}`));
    const diskPutSmall = await loops(SMALL, (i) => diskWrite(disk, `s${i}`, small));
    const diskGetSmall = await loops(SMALL, (i) => readFile(join(disk, `s${i}`)));

    const large = randomBytes(8 * 1024 * 1024);
    const mb = (LARGE * large.length) / 1024 / 1024;
    let t0 = performance.now();
    for (let i = 0; i < LARGE; i++) await s3.send(new PutObjectCommand({ Bucket, Key: `large/${i}`, Body: large }));
    const putLarge = mb / ((performance.now() - t0) / 1000);
    t0 = performance.now();
    for (let i = 0; i < LARGE; i++) await (await s3.send(new GetObjectCommand({ Bucket, Key: `large/${i}` }))).Body.transformToByteArray();
    const getLarge = mb / ((performance.now() - t0) / 1000);
    t0 = performance.now();
    for (let i = 0; i < LARGE; i++) await diskWrite(disk, `l${i}`, large);
    const diskPutLarge = mb / ((performance.now() - t0) / 1000);
    t0 = performance.now();
    for (let i = 0; i < LARGE; i++) await readFile(join(disk, `l${i}`));
    const diskGetLarge = mb / ((performance.now() - t0) / 1000);

    // Upload → handler start, one upload at a time to a warm function.
    const fn = uniqueName('stamp');
    const file = join(disk, 'stamps.txt');
    await createFunction(agent, gust.url, fn, STAMP_HANDLER, { Environment: { Variables: { OUT: file } } });
    const notified = uniqueName('notified').toLowerCase();
    await s3.send(new CreateBucketCommand({ Bucket: notified }));
    await addPermission(agent, gust.url, fn, 's3.amazonaws.com', `arn:aws:s3:::${notified}`);
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: notified, NotificationConfiguration: { LambdaFunctionConfigurations: [{ LambdaFunctionArn: fn, Events: ['s3:ObjectCreated:*'] }] } }));
    const latency = await triggerLatencies(file, LATENCY_SAMPLES, (n) => s3.send(new PutObjectCommand({ Bucket: notified, Key: String(n), Body: 'x' })), { limitMs: LIMIT_MS });

    // A bucket per round: the rounds share one server, which refuses a second CreateBucket of a name.
    const bigBucket = uniqueName('bench-big').toLowerCase();
    await s3.send(new CreateBucketCommand({ Bucket: bigBucket }));
    const big = await streamGiB(gust, agent, bigBucket);
    return {
      putSmall, getSmall, rawPutSmall, rawGetSmall, diskPutSmall, diskGetSmall,
      putLarge, getLarge, diskPutLarge, diskGetLarge,
      latencyP50: latency.p50, latencyP99: latency.p99,
      gibPeakMb: big.peakMb, gibMbPerSecond: 1024 / big.seconds,
    };
  } finally {
    s3.destroy();
    agent.destroy();
    rmSync(disk, { recursive: true, force: true });
  }
}
