/**
 * Three `gust serve` nodes of one cluster, as users run them (real child processes, the
 * real SDK and CLI): one fresh PostgreSQL database, one NATS, one shared --blob-dir, each
 * node with its own port and data dir. A function created on A is invoked on B and its
 * logs read on C; a code update on A reaches B's cache within the stated bound (1 s), and
 * B's next invoke after that runs it;
 * UpdateFunctionCode with Publish on A and B at once gets two numbers, each version its own
 * code; a function URL made on A answers on C, and is gone from C once A deletes it; a
 * function A deletes is gone from B within the bound; an object put through A reads back
 * through B and C; event invoke configurations written on one node reach the others;
 * `gust nodes` lists three nodes, then two once one got SIGTERM; a key made by `gust keys`
 * on the cluster's blob dir signs on every node, and credentials one node gave its function
 * verify on another (the key files are the cluster's, in `<blob-dir>/keys`), and a key the
 * operator removes is refused on every node at once. Skipped, saying why,
 * without PostgreSQL or NATS. Without PostgreSQL alone: a `--bus` that does not answer ends
 * `gust serve` with one line.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AddPermissionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionCommand,
  DeleteFunctionEventInvokeConfigCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  LambdaClient,
  ListFunctionsCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { activeOn, clusterOf, clusterSkipReason } from '../helpers/cluster.js';
import { buildGust, ROOT, stopServer, type ServerProcess } from '../helpers/gust-process.js';
import { caught, createFunction, invoke, waitActive } from '../helpers/lambda.js';
import { postgresSkipReason, urlOfDatabase } from '../helpers/test-store.js';
import { waitFor } from '../helpers/wait.js';
import { makeZip } from '../helpers/zips.js';
import { runGust, succeeded } from '../cli/support.js';

const pgSkip = await postgresSkipReason();
const skip = await clusterSkipReason();
if (skip) console.warn(`skipping the cluster nodes suite: ${skip}`);

/** A handler that answers which code it is. */
const code = (tag: string) => makeZip({ 'index.js': `exports.handler = async () => ({ code: ${JSON.stringify(tag)} });` });

/**
 * Sends an update again while another node's update of the function is in progress, as a
 * client does with the ResourceConflictException Lambda answers then.
 */
async function whenUpdatable<T>(send: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      if (!(err instanceof Error && err.name === 'ResourceConflictException' && /update is in progress/.test(err.message)) || attempt === 50) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

interface NodeRow {
  id: string;
  url: string;
  environments: number;
  invocations: number;
  self: boolean;
  keeper: boolean;
}

describe.skipIf(skip !== undefined)('gust serve --bus: three nodes of one cluster', () => {
  const cluster = clusterOf(3, 'nodes', ['--sandbox', 'process', '--keep-alive', '30s']);
  const nodes = cluster.nodes;
  const node = cluster.node;

  it('creates a function on A, invokes it on B, and reads its logs on C', async () => {
    await createFunction(node(0).lambda, 'hello', { files: { 'index.js': 'exports.handler = async (e) => { console.log("seen", e.n); return { code: "v1" }; };' } });
    // B has the function once A's notes (created, then Active) reached it.
    await activeOn(node(1).lambda, 'hello');
    const answer = await invoke(node(1).lambda, 'hello', { n: 7 });
    expect(answer.json).toEqual({ code: 'v1' });
    const logs = await waitFor(
      "C to read B's log lines",
      async () => {
        const body = (await (await fetch(`${node(2).url}/gust/logs/hello`)).json()) as { events: { message: string }[] };
        const messages = body.events.map((e) => e.message);
        return messages.some((m) => m.startsWith(`REPORT RequestId: ${answer.requestId}`)) ? messages : undefined;
      },
      10_000,
      100,
    );
    expect(logs.some((m) => m.includes('seen 7'))).toBe(true);
  }, 60_000);

  it("drains B's environment of the old code within a second of A's answer: B's next invoke runs A's new code", async () => {
    const settled: number[] = [];
    for (let round = 2; round <= 6; round++) {
      const tag = `v${round}`;
      const updated = await node(0).lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'hello', ZipFile: await code(tag) }));
      const t0 = performance.now();
      // B's cache shows the new code with its update over (until then an invoke runs the code
      // before it, as on Lambda): the note that says so is the one that drains B's environments.
      await waitFor(
        'B to see the new code, its update over',
        async () => {
          const seen = await node(1).lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'hello' }));
          return seen.CodeSha256 === updated.CodeSha256 && seen.LastUpdateStatus === 'Successful' ? true : undefined;
        },
        5_000,
        5,
      );
      settled.push(performance.now() - t0);
      // No environment of the old code answers any more: the very next invoke on B runs the new one.
      expect((await invoke(node(1).lambda, 'hello')).json).toEqual({ code: tag });
      await waitActive(node(0).lambda, 'hello');
    }
    console.log(`propagation to another node: the new code settled in B's cache after ${settled.map((x) => Math.round(x)).join(', ')} ms`);
    expect(Math.max(...settled)).toBeLessThan(1_000);
  }, 90_000);

  it('gives two versions two numbers when A and B publish at once, each with its own code', async () => {
    await waitActive(node(1).lambda, 'hello');
    for (let round = 0; round < 3; round++) {
      const [zipA, zipB] = await Promise.all([code(`A${round}`), code(`B${round}`)]);
      const [a, b] = await Promise.all([
        whenUpdatable(() => node(0).lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'hello', ZipFile: zipA, Publish: true }))),
        whenUpdatable(() => node(1).lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'hello', ZipFile: zipB, Publish: true }))),
      ]);
      expect(a.Version).not.toBe(b.Version);
      await waitActive(node(0).lambda, 'hello');
      await waitActive(node(1).lambda, 'hello');
      // Read on C, once both versions' notes reached it: each number runs the code it was published with.
      await activeOn(node(2).lambda, `hello:${a.Version}`);
      await activeOn(node(2).lambda, `hello:${b.Version}`);
      expect((await invoke(node(2).lambda, `hello:${a.Version}`)).json).toEqual({ code: `A${round}` });
      expect((await invoke(node(2).lambda, `hello:${b.Version}`)).json).toEqual({ code: `B${round}` });
    }
  }, 90_000);

  it("serves a function URL made on A from C's port, until A deletes it", async () => {
    // The URL and the policy that opens it, both written on A and read by C.
    await node(0).lambda.send(new AddPermissionCommand({ FunctionName: 'hello', StatementId: 'FunctionURLAllowPublicAccess', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' }));
    const { FunctionUrl } = await node(0).lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'hello', AuthType: 'NONE' }));
    const onC = new URL(FunctionUrl!);
    onC.port = new URL(node(2).url).port;
    const answer = async () => {
      const res = await fetch(onC);
      return `${res.status} ${await res.text()}`;
    };
    const served = await waitFor('C to serve the URL', async () => {
      const got = await answer();
      return got.startsWith('200 ') ? got : undefined;
    }, 5_000, 10);
    expect(JSON.parse(served.slice(4))).toMatchObject({ code: expect.any(String) });
    await node(0).lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: 'hello' }));
    // Lambda's answer for a URL id it does not know.
    await waitFor('C to forget the URL', async () => ((await answer()) === '403 {"Message":null}' ? true : undefined), 5_000, 10);
  }, 30_000);

  it('answers ResourceNotFoundException on B within the bound once A deleted the function', async () => {
    await invoke(node(1).lambda, 'hello');
    await node(0).lambda.send(new DeleteFunctionCommand({ FunctionName: 'hello' }));
    const t0 = performance.now();
    await waitFor('B to forget the function', async () => ((await caught(invoke(node(1).lambda, 'hello')))?.name === 'ResourceNotFoundException' ? true : undefined), 5_000, 5);
    expect(performance.now() - t0).toBeLessThan(1_000);
  }, 30_000);

  it('reads an object put through A back through B and C, from the shared blob dir', async () => {
    const s3 = (i: number) => new S3Client({ endpoint: node(i).url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, forcePathStyle: true });
    await s3(0).send(new CreateBucketCommand({ Bucket: 'shared' }));
    const body = 'bytes put on A '.repeat(1_000);
    await s3(0).send(new PutObjectCommand({ Bucket: 'shared', Key: 'k', Body: body }));
    for (const i of [1, 2]) expect(await (await s3(i).send(new GetObjectCommand({ Bucket: 'shared', Key: 'k' }))).Body!.transformToString()).toBe(body);
  }, 30_000);

  it("follows another node's event invoke configurations (what its own async deliveries apply)", async () => {
    await createFunction(node(0).lambda, 'configured', { files: { 'index.js': 'exports.handler = async () => 1;' } });
    for (const i of [1, 2]) await activeOn(node(i).lambda, 'configured');
    const seen = (i: number) =>
      node(i).lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'configured' })).then(
        (c) => c.MaximumRetryAttempts,
        (err: unknown) => ((err as Error).name === 'ResourceNotFoundException' ? 'none' : Promise.reject(err)),
      );
    await node(0).lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'configured', MaximumRetryAttempts: 0 }));
    for (const i of [1, 2]) await waitFor(`node ${i} to see A's configuration`, async () => ((await seen(i)) === 0 ? true : undefined), 5_000, 10);
    await node(1).lambda.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'configured', MaximumRetryAttempts: 1 }));
    await waitFor("A to see B's update", async () => ((await seen(0)) === 1 ? true : undefined), 5_000, 10);
    await node(2).lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'configured' }));
    for (const i of [0, 1]) await waitFor(`node ${i} to see C's delete`, async () => ((await seen(i)) === 'none' ? true : undefined), 5_000, 10);
  }, 30_000);

  it('lists three nodes with gust nodes, then two once one got SIGTERM', async () => {
    const list = async (on: ServerProcess): Promise<NodeRow[]> => JSON.parse(succeeded(await runGust(['nodes', '--json'], { cwd: tmpdir(), endpoint: on.url }), ['nodes', '--json'])) as NodeRow[];
    const three = await list(node(2));
    expect(three.map((n) => n.url).sort()).toEqual(nodes.map((n) => n!.url).sort());
    expect(three.filter((n) => n.self).map((n) => n.url)).toEqual([node(2).url]);
    const table = succeeded(await runGust(['nodes'], { cwd: tmpdir(), endpoint: node(0).url }), ['nodes']);
    expect(table.split('\n')[0]).toMatch(/^NODE\s+URL\s+ROLE\s+ENVIRONMENTS\s+INVOCATIONS\s+HEARTBEAT\s+STARTED$/);
    // One keeper, the same as every node sees it.
    expect(three.filter((n) => n.keeper)).toHaveLength(1);
    expect((await list(node(0))).filter((n) => n.keeper).map((n) => n.url)).toEqual(three.filter((n) => n.keeper).map((n) => n.url));
    await stopServer(nodes[1]);
    const two = await list(node(2));
    expect(two.map((n) => n.url).sort()).toEqual([node(0).url, node(2).url].sort());
  }, 60_000);

  // Last: once a key exists, every node verifies every request.
  it("signs with one key on every node, made by gust keys on the cluster's blob dir, and verifies on one node the credentials another gave its function", async () => {
    const argOf = (flag: string) => cluster.args[cluster.args.indexOf(flag) + 1]!;
    // The operator's own data dir, none of the nodes': the key that seals secrets is the cluster's.
    const operatorDir = mkdtempSync(join(tmpdir(), 'gust-operator-'));
    try {
      const env = { GUST_DATA_DIR: operatorDir, GUST_STORE: argOf('--store'), GUST_BLOB_DIR: argOf('--blob-dir') };
      const args = ['--json', 'keys', 'create', '--account', '000000000000'];
      // Without the blob dir the key would be sealed with the operator's own key file, which no node has.
      const unsealable = await runGust(args, { cwd: tmpdir(), endpoint: node(0).url, env: { ...env, GUST_BLOB_DIR: '' } });
      expect(unsealable.code).toBe(1);
      expect(unsealable.stderr).toMatch(/^gust: this database is a cluster's \(2 nodes running\): pass its --blob-dir \(or GUST_BLOB_DIR\)/);
      const made = JSON.parse(succeeded(await runGust(args, { cwd: tmpdir(), endpoint: node(0).url, env }), args)) as { AccessKeyId: string; SecretAccessKey: string };
      const client = (on: ServerProcess, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
        new LambdaClient({ endpoint: on.url, region: 'us-east-1', credentials, maxAttempts: 1 });
      const operator = (on: ServerProcess) => client(on, { accessKeyId: made.AccessKeyId, secretAccessKey: made.SecretAccessKey });
      const survivors = [node(0), node(2)];
      for (const on of survivors) {
        expect((await caught(on.lambda.send(new ListFunctionsCommand({}))))?.name).toBe('UnrecognizedClientException');
        expect((await operator(on).send(new ListFunctionsCommand({}))).Functions).toBeDefined();
      }

      await createFunction(operator(node(0)), 'whoami', {
        files: { 'index.js': 'exports.handler = async () => ({ accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY, sessionToken: process.env.AWS_SESSION_TOKEN });' },
      });
      await activeOn(operator(node(2)), 'whoami');
      const given = (await invoke(operator(node(0)), 'whoami')).json as { accessKeyId: string; secretAccessKey: string; sessionToken: string };
      expect(given.sessionToken).toBeTruthy();
      // One of the two nodes signed them (routing picks which); both verify them.
      for (const on of survivors) {
        expect((await client(on, given).send(new GetFunctionConfigurationCommand({ FunctionName: 'whoami' }))).FunctionName).toBe('whoami');
      }

      // A key the operator removes is refused on every node as soon as the database's note
      // reaches it, though each node keeps the keys it verified in memory.
      const second = JSON.parse(succeeded(await runGust(args, { cwd: tmpdir(), endpoint: node(0).url, env }), args)) as { AccessKeyId: string; SecretAccessKey: string };
      const removed = ['keys', 'rm', made.AccessKeyId];
      succeeded(await runGust(removed, { cwd: tmpdir(), endpoint: node(0).url, env }), removed);
      for (const on of survivors) {
        await waitFor('the removed key to be refused', async () => ((await caught(operator(on).send(new ListFunctionsCommand({}))))?.name === 'UnrecognizedClientException' ? true : undefined), 2_000, 10);
        expect((await client(on, { accessKeyId: second.AccessKeyId, secretAccessKey: second.SecretAccessKey }).send(new ListFunctionsCommand({}))).Functions).toBeDefined();
      }
    } finally {
      rmSync(operatorDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe.skipIf(pgSkip !== undefined)('gust serve --bus with no NATS there', () => {
  it('exits with one line naming the bus', async () => {
    buildGust();
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const dir = mkdtempSync(join(tmpdir(), 'gust-node-nobus-'));
    try {
      const child = spawn(process.execPath, [join(ROOT, 'bin/gust.js'), 'serve', '--port', '0', '--data-dir', dir, '--store', urlOfDatabase('postgres'), '--bus', `nats://127.0.0.1:${port}`, '--blob-dir', join(dir, 'blobs')], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.resume();
      const exit = await new Promise<number | null>((r) => child.on('exit', r));
      expect(exit).toBe(1);
      const errorLines = stderr.split('\n').filter((l) => l.trim() !== '' && !/Warning|upgrade to node|a\.co\/|trace-warnings/.test(l));
      expect(errorLines).toEqual([expect.stringMatching(new RegExp(`^gust serve: cannot reach the NATS server of --bus nats://127\\.0\\.0\\.1:${port}: `))]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
