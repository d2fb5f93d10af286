/**
 * Functions on the network (namespace driver, networking on): outbound to "the internet"
 * (a network namespace this test makes, with an HTTP and a DNS server), refused at once
 * everywhere Gust denies, a host service opened through VpcConfig, and the AWS SDK against
 * Gust with nothing in the function's code. No packet goes anywhere but loopback, the
 * sandboxes' own namespaces and the test's.
 */
import { CreateEventSourceMappingCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespaceHostGap } from '../../src/sandbox/namespace/namespace-setup.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { createFunction, invoke } from '../helpers/lambda.js';
import { outsideWorldGap, startOutsideWorld, type OutsideWorld } from '../../bench/lib/outside-world.js';
import { QUEUE_ARN_PREFIX, sqsClient } from '../sqs/support.js';

const gap = namespaceHostGap() ?? outsideWorldGap() ?? (spawnSync('nft', ['--version']).status === 0 ? undefined : 'needs nftables (nft)');
if (gap) console.warn(`test/sandbox/network.spec.ts skipped: ${gap}`);
// .ci/run starts the machine's PostgreSQL; elsewhere the host-network case says why it skips.
const postgres = spawnSync('bash', ['-c', 'exec 3<>/dev/tcp/127.0.0.1/5432']).status === 0;
if (!gap && !postgres) console.warn('test/sandbox/network.spec.ts: the host-network case skipped: no PostgreSQL on 127.0.0.1:5432');

const PROBE = `
import net from 'node:net';
const attempt = (host, port) => new Promise((resolve) => {
  const t0 = performance.now();
  const s = net.connect({ host, port });
  s.setTimeout(3000);
  const done = (result) => { s.destroy(); resolve({ host, port, result, ms: performance.now() - t0 }); };
  s.on('connect', () => done('open'));
  s.on('error', (e) => done(e.code));
  s.on('timeout', () => done('timeout'));
});
let server;
export const handler = async (event) => {
  if (event.listen) {
    server ??= await new Promise((resolve) => { const s = net.createServer((c) => c.end('peer')).listen(event.listen, '0.0.0.0', () => resolve(s)); });
    const eth0 = (await import('node:os')).networkInterfaces().eth0.find((a) => a.family === 'IPv4');
    return { address: eth0.address, gateway: new URL(process.env.AWS_ENDPOINT_URL).hostname };
  }
  if (event.fetch) return await (await fetch(event.fetch)).text();
  const results = [];
  for (const [host, port] of event.targets) results.push(await attempt(host, port));
  return results;
};
`;

/** Every file under `dir`, as zip entries under `prefix`. */
function tree(dir: string, prefix: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files[join(prefix, relative(dir, p))] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return files;
}

/** pg and what it needs, from the project's node_modules, as a function zip's node_modules. */
function pgModules(): Record<string, string> {
  const root = join(dirname(new URL(import.meta.url).pathname), '..', '..', 'node_modules');
  const files: Record<string, string> = {};
  const seen = new Set<string>();
  const add = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const dir = join(root, name);
    Object.assign(files, tree(dir, join('node_modules', name)));
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies ?? {})) add(dep);
  };
  add('pg');
  return files;
}

describe.skipIf(gap !== undefined)('functions on the network', () => {
  let t: TestGust;
  let outside: OutsideWorld;
  let gateway: string;
  let peer: string;

  beforeAll(async () => {
    outside = await startOutsideWorld();
    t = await startTestGust({ flags: { sandbox: 'namespace', sandboxDns: outside.address, hostNetworks: 'db=127.0.0.1:5432' } });
    // 1769 MB is one full CPU on Lambda's scale: the timings below are the network's, not a CPU quota's.
    await createFunction(t.lambda, 'probe', { MemorySize: 1769, files: { 'index.mjs': PROBE } });
    await createFunction(t.lambda, 'peer', { files: { 'index.mjs': PROBE } });
    const listening = (await invoke(t.lambda, 'peer', { listen: 7000 })).json as { address: string; gateway: string };
    peer = listening.address;
    gateway = listening.gateway;
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    outside?.close();
  });

  it('a Node function (fetch) and a Python function (urllib) reach a server outside by a name its DNS answers, masqueraded behind the host', async () => {
    const url = `http://${outside.name}:${outside.httpPort}/`;
    const node = await invoke(t.lambda, 'probe', { fetch: url });
    expect(node.functionError, node.text).toBeUndefined();
    expect(node.json).toBe(`hello ${outside.hostAddress}`);
    await createFunction(t.lambda, 'py-fetch', {
      Runtime: 'python3.11',
      Handler: 'app.handler',
      files: { 'app.py': 'import urllib.request\ndef handler(event, context):\n    return urllib.request.urlopen(event["url"], timeout=5).read().decode()\n' },
    });
    const py = await invoke(t.lambda, 'py-fetch', { url });
    expect(py.functionError, py.text).toBeUndefined();
    expect(py.json).toBe(`hello ${outside.hostAddress}`);
  });

  it('refuses at once the host loopback services, the host own addresses, the metadata address and another sandbox', async () => {
    const gustPort = Number(new URL(t.url).port);
    const hostAddresses = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && a.family === 'IPv4' && !a.internal)
      .map((a) => a!.address);
    expect(hostAddresses).toContain(outside.hostAddress);
    const targets: [string, number][] = [
      // The sandbox's own loopback: nothing of the host's is there.
      ['127.0.0.1', gustPort],
      ['127.0.0.1', 5432],
      ['127.0.0.1', 6379],
      // The gateway serves only its own ports; 5432 only to functions attached to `db`.
      [gateway, gustPort],
      [gateway, 5432],
      [gateway, 6379],
      ...hostAddresses.map((a): [string, number] => [a, gustPort]),
      ...hostAddresses.map((a): [string, number] => [a, 5432]),
      ['169.254.169.254', 80],
      [peer, 7000],
    ];
    const r = await invoke(t.lambda, 'probe', { targets });
    expect(r.functionError, r.text).toBeUndefined();
    for (const attempt of r.json as { host: string; port: number; result: string; ms: number }[]) {
      expect(attempt.result, `${attempt.host}:${attempt.port}`).toMatch(/^(ECONNREFUSED|EHOSTUNREACH|ENETUNREACH)$/);
      expect(attempt.ms, `${attempt.host}:${attempt.port}`).toBeLessThan(100);
    }
    // The peer is up and listening all the while: it is the network that refuses.
    expect((await invoke(t.lambda, 'peer', { listen: 7000 })).json).toMatchObject({ address: peer });
  });

  it.skipIf(!postgres)('a function attached to the db network runs SELECT 1 on the host PostgreSQL through pg; without it, refused', async () => {
    const app = `const { Client } = require('pg');
exports.handler = async () => {
  const client = new Client({ host: new URL(process.env.AWS_ENDPOINT_URL).hostname, port: 5432, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return (await client.query('SELECT 1 AS one')).rows[0].one;
  } catch (e) {
    return e.code ?? e.message;
  } finally {
    await client.end().catch(() => {});
  }
};`;
    const files = { 'index.js': app, ...pgModules() };
    await createFunction(t.lambda, 'with-db', { files, VpcConfig: { SubnetIds: ['db'], SecurityGroupIds: [] } });
    await createFunction(t.lambda, 'without-db', { files });
    const attached = await invoke(t.lambda, 'with-db');
    expect(attached.functionError, attached.text).toBeUndefined();
    expect(attached.json).toBe(1);
    expect((await invoke(t.lambda, 'without-db')).json).toBe('ECONNREFUSED');
  });

  it('the AWS SDK of the runtime lists functions with no endpoint and no credentials in the code: Node (v3) and Python (boto3)', async () => {
    await createFunction(t.lambda, 'sdk-node', {
      files: { 'index.mjs': "import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';\nexport const handler = async () => (await new LambdaClient({}).send(new ListFunctionsCommand({}))).Functions.map((f) => f.FunctionName).sort();\n" },
    });
    await createFunction(t.lambda, 'sdk-python', {
      Runtime: 'python3.11',
      Handler: 'app.handler',
      files: { 'app.py': 'import boto3\ndef handler(event, context):\n    return sorted(f["FunctionName"] for f in boto3.client("lambda").list_functions()["Functions"])\n' },
    });
    const names = ((await t.lambda.send(new ListFunctionsCommand({}))).Functions ?? []).map((f) => f.FunctionName).sort();
    for (const fn of ['sdk-node', 'sdk-python']) {
      const r = await invoke(t.lambda, fn);
      expect(r.functionError, r.text).toBeUndefined();
      expect(r.json).toEqual(names);
    }
  });

  it('a function a queue mapping invokes sends to another queue with the SDK, no endpoint in its code', async () => {
    const sqs = sqsClient(t);
    const inbox = await sqs.send(new CreateQueueCommand({ QueueName: 'net-in' }));
    const outbox = await sqs.send(new CreateQueueCommand({ QueueName: 'net-out' }));
    await createFunction(t.lambda, 'forward', {
      files: {
        'index.mjs': `import { SQSClient, GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
const sqs = new SQSClient({});
export const handler = async (event) => {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'net-out' }));
  for (const r of event.Records) await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'forwarded ' + r.body }));
};
`,
      },
    });
    await t.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'forward', EventSourceArn: `${QUEUE_ARN_PREFIX}net-in`, BatchSize: 1 }));
    await sqs.send(new SendMessageCommand({ QueueUrl: inbox.QueueUrl!, MessageBody: 'hello' }));
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: outbox.QueueUrl!, WaitTimeSeconds: 20 }));
    expect(got.Messages?.map((m) => m.Body)).toEqual(['forwarded hello']);
    sqs.destroy();
  });
});
