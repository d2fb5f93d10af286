/**
 * The cost of signature verification (issue 17), on one server, off and then on: the
 * same requests, SigV4-signed by the client both times (an open server takes any
 * signature), so that the difference is the server's verification alone.
 * - warm invoke latency p50 and the server's CPU per invoke, sequential, 1 KB payload;
 * - a 100 MB PutObject, two ways: the SDK v3's default (aws-chunked, unsigned payload with
 *   a CRC32 trailer: verification checks the headers only) and a signed payload (the hex
 *   SHA-256 in x-amz-content-sha256, as botocore sends over plain HTTP: Gust hashes the
 *   body as it streams).
 * "On" is an access key made in the running server's data dir (keys take effect at once);
 * it is removed at the end of the round, so the server is open again for other scenarios.
 */
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { openAccessKeys } from '../../dist/server/admin.js';
import { keepAliveAgent, post } from '../lib/http-client.js';
import { HANDLERS, payloadOf } from '../lib/fixtures.js';
import { createFunction, invokeUrl, uniqueName } from '../lib/lambda.js';
import { cpuMs } from '../lib/proc.js';
import { percentile, sortedCopy } from '../lib/stats.js';

const MB100 = 100 * 1024 * 1024;

function signer(credentials, service) {
  return new SignatureV4({ credentials, region: 'us-east-1', service, sha256: Sha256, uriEscapePath: service !== 's3' });
}

/** SigV4 headers (without Host, which node:http sets to the same value) for one request. */
async function signedHeaders(sign, url, method, headers, body) {
  const u = new URL(url);
  const signed = await sign.sign({ method, protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: u.pathname, query: {}, headers: { host: u.host, ...headers }, ...(body ? { body } : {}) });
  return Object.fromEntries(Object.entries(signed.headers).filter(([k]) => k.toLowerCase() !== 'host'));
}

async function invokes(agent, url, payload, sign, count, pid) {
  const samples = [];
  const cpu0 = cpuMs(pid);
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const headers = await signedHeaders(sign, url, 'POST', { 'content-type': 'application/json' }, payload);
    const res = await post(agent, url, payload, headers);
    if (res.status !== 200) throw new Error(`invoke answered ${res.status}: ${res.body.toString().slice(0, 200)}`);
    samples.push(performance.now() - t0);
  }
  const cpuUs = ((cpuMs(pid) - cpu0) * 1000) / count;
  return { p50: percentile(sortedCopy(samples), 50), cpuUs };
}

/** A signed-payload PUT of `body` (hex SHA-256 declared): seconds from the first byte to the answer. */
async function signedPayloadPut(agent, url, body, sign) {
  const t0 = performance.now();
  const hash = createHash('sha256').update(body).digest('hex');
  const headers = await signedHeaders(sign, url, 'PUT', { 'x-amz-content-sha256': hash, 'content-length': String(body.length) });
  await new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ agent, host: u.hostname, port: u.port, path: u.pathname, method: 'PUT', headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`PUT answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
  return (performance.now() - t0) / 1000;
}

async function sdkPut(s3, bucket, key, body) {
  const t0 = performance.now();
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return (performance.now() - t0) / 1000;
}

async function measure(gust, agent, credentials, name, bucket, quick) {
  const payload = payloadOf(1024);
  const url = invokeUrl(gust.url, name);
  const sign = signer(credentials, 'lambda');
  const count = quick ? 300 : 1000;
  for (let i = 0; i < 50; i++) await invokes(agent, url, payload, sign, 1, gust.pid);
  const warm = await invokes(agent, url, payload, sign, count, gust.pid);
  const body = randomBytes(MB100);
  const s3 = new S3Client({ endpoint: gust.url, region: 'us-east-1', credentials, forcePathStyle: true, maxAttempts: 1 });
  try {
    const sdkSeconds = await sdkPut(s3, bucket, 'sdk-100mb', body);
    const signedSeconds = await signedPayloadPut(agent, `${gust.url}/${bucket}/signed-100mb`, body, signer(credentials, 's3'));
    return { warm, sdkMbPerSecond: 100 / sdkSeconds, signedMbPerSecond: 100 / signedSeconds };
  } finally {
    s3.destroy();
  }
}

export async function authRound({ gust, quick }) {
  const agent = keepAliveAgent(8);
  const name = uniqueName('auth');
  const bucket = uniqueName('auth');
  await createFunction(agent, gust.url, name, HANDLERS.nodeHello);
  const dummy = { accessKeyId: 'bench', secretAccessKey: 'bench' };
  const s3 = new S3Client({ endpoint: gust.url, region: 'us-east-1', credentials: dummy, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  s3.destroy();
  const off = await measure(gust, agent, dummy, name, bucket, quick);
  const opened = openAccessKeys(gust.dataDir);
  const key = await opened.keys.createKey('000000000000');
  try {
    const on = await measure(gust, agent, { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }, name, bucket, quick);
    return { off, on };
  } finally {
    await opened.keys.removeKey(key.accessKeyId);
    await opened.close();
    agent.destroy();
  }
}
