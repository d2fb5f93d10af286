/**
 * `gust serve --store postgres://…` as users run it (a real child process, the real SDKs):
 * every kind of state goes to PostgreSQL and comes back after a restart on the same
 * database (functions invoke, a version and an alias route, a queue keeps its message, an
 * async event cut short by the stop is delivered, logs read back); the data dir holds no
 * SQLite database of functions. The server reaches PostgreSQL through a TCP relay the test
 * can cut: while the database is gone, requests that need it get an AWS-shaped 500 and the
 * server lives on; it recovers when the database returns. A database that does not answer
 * at start-up ends `gust serve` with one line. Skipped, saying why, without PostgreSQL.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAliasCommand, CreateFunctionCommand, ListFunctionsCommand, PublishVersionCommand } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGust, ROOT, serve, stopServer, type ServerProcess } from '../helpers/gust-process.js';
import { caught, createFunction, invoke, ROLE } from '../helpers/lambda.js';
import { killProcessesMentioning } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';
import { makeZip } from '../helpers/zips.js';
import { lines, postEvent } from '../async/support.js';
import { onServer, postgresSkipReason, urlOfDatabase } from '../helpers/test-store.js';
import { TEST_PG_URL } from '../../src/store/postgres/testing/test-postgres.js';

const skip = await postgresSkipReason();
if (skip) console.warn(`skipping the gust serve --store postgres suite: ${skip}`);

const ECHO = 'exports.handler = async (event, context) => ({ event, version: context.functionVersion });';
/** Writes `start` and, `sleep` ms later, `done` lines with its request id to $OUT. */
const SLOW = `
const fs = require('fs');
exports.handler = async (event, context) => {
  fs.appendFileSync(process.env.OUT, JSON.stringify({ id: context.awsRequestId, at: 'start' }) + '\\n');
  await new Promise((r) => setTimeout(r, event.sleep || 0));
  fs.appendFileSync(process.env.OUT, JSON.stringify({ id: context.awsRequestId, at: 'done' }) + '\\n');
};
`;

/** A TCP relay to PostgreSQL that the test can cut (the database gone) and restore, on one port. */
class Relay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Refuses new connections and breaks the open ones, as a database that went away. */
  async cut(): Promise<void> {
    const closed = new Promise<void>((r) => this.server!.close(() => r()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

describe.skipIf(skip !== undefined)('gust serve --store postgres://', () => {
  const database = `gust_t_serve_${randomBytes(4).toString('hex')}`;
  const pg = new URL(TEST_PG_URL);
  const relay = new Relay({ host: pg.hostname, port: Number(pg.port || 5432) });
  let dataDir = '';
  let out = '';
  let store = '';
  let server: ServerProcess | undefined;
  let args: string[] = [];
  const sqs = (s: ServerProcess) => new SQSClient({ endpoint: s.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });

  beforeAll(async () => {
    buildGust();
    await onServer(`CREATE DATABASE ${database}`);
    await relay.open();
    const url = new URL(urlOfDatabase(database));
    url.port = String(relay.port);
    store = url.toString();
    dataDir = mkdtempSync(join(tmpdir(), 'gust-pgstore-'));
    out = mkdtempSync(join(tmpdir(), 'gust-pgstore-out-'));
    args = ['--store', store, '--sandbox', 'process', '--keep-alive', '30s'];
  }, 180_000);

  afterAll(async () => {
    await stopServer(server);
    killProcessesMentioning(dataDir);
    await relay.cut().catch(() => undefined);
    await onServer(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  it('keeps functions, versions, aliases, queues, async events and logs in PostgreSQL across a restart', async () => {
    server = await serve(dataDir, args);
    expect(server.lines().some((l) => l.includes('single-node for now'))).toBe(true);
    const lambda = server.lambda;
    await createFunction(lambda, 'echo', { files: { 'index.js': ECHO } });
    expect((await invoke(lambda, 'echo', { n: 1 })).json).toEqual({ event: { n: 1 }, version: '$LATEST' });
    const published = await lambda.send(new PublishVersionCommand({ FunctionName: 'echo' }));
    await lambda.send(new CreateAliasCommand({ FunctionName: 'echo', Name: 'live', FunctionVersion: published.Version! }));
    expect((await invoke(lambda, 'echo:live', { n: 2 })).executedVersion).toBe('1');

    const queues = sqs(server);
    const { QueueUrl } = await queues.send(new CreateQueueCommand({ QueueName: 'jobs' }));
    await queues.send(new SendMessageCommand({ QueueUrl, MessageBody: 'first' }));
    await queues.send(new SendMessageCommand({ QueueUrl, MessageBody: 'second' }));
    const got = await queues.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 }));
    expect(got.Messages?.map((m) => m.Body)).toEqual(['first']);
    await queues.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: got.Messages![0]!.ReceiptHandle! }));
    queues.destroy();

    // One event delivered now; one cut short by the stop, delivered again after the restart.
    const sink = join(out, 'slow.txt');
    await createFunction(lambda, 'slow', { files: { 'index.js': SLOW }, Environment: { Variables: { OUT: sink } }, Timeout: 30 });
    const quick = await postEvent(server.url, 'slow', JSON.stringify({ sleep: 0 }));
    expect(quick.status).toBe(202);
    await waitFor('the first event to be done', () => lines<{ id: string; at: string }>(sink).some((l) => l.id === quick.requestId && l.at === 'done') || undefined, 15_000);
    const cut = await postEvent(server.url, 'slow', JSON.stringify({ sleep: 60_000 }));
    await waitFor('the second event to start', () => lines<{ id: string; at: string }>(sink).some((l) => l.id === cut.requestId) || undefined, 15_000);
    const logsBefore = await fetch(`${server.url}/gust/logs/echo`).then((r) => r.json() as Promise<{ events: { message: string }[] }>);
    expect(logsBefore.events.some((e) => e.message.startsWith('REPORT RequestId:'))).toBe(true);

    await stopServer(server);
    // Nothing of the functions went to SQLite: no database in the data dir at all.
    for (const file of ['gust.db', 'queue.db', 'sqs.db', 'auth.db', 's3.db', 'logs.db']) expect(existsSync(join(dataDir, file)), file).toBe(false);

    server = await serve(dataDir, args);
    const again = server.lambda;
    const names = (await again.send(new ListFunctionsCommand({}))).Functions!.map((f) => f.FunctionName).sort();
    expect(names).toEqual(['echo', 'slow']);
    expect((await invoke(again, 'echo:live', { n: 3 })).json).toEqual({ event: { n: 3 }, version: '1' });
    const queuesAgain = sqs(server);
    const rest = await queuesAgain.send(new ReceiveMessageCommand({ QueueUrl: QueueUrl!.replace(/^http:\/\/[^/]+/, server.url), MaxNumberOfMessages: 10 }));
    expect(rest.Messages?.map((m) => m.Body)).toEqual(['second']);
    queuesAgain.destroy();
    await waitFor('the event cut short to run again', () => lines<{ id: string; at: string }>(sink).filter((l) => l.id === cut.requestId && l.at === 'start').length >= 2 || undefined, 15_000);
    const logsAfter = await fetch(`${server.url}/gust/logs/echo`).then((r) => r.json() as Promise<{ events: { message: string }[] }>);
    expect(logsAfter.events.filter((e) => e.message.startsWith('REPORT RequestId:')).length).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('answers a 500 ServiceException while the database is gone, lives on, and recovers when it returns', async () => {
    const s = server!;
    const zip = await makeZip({ 'index.js': ECHO });
    const create = (name: string) => s.lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip } }));
    await relay.cut();
    const failed = await caught(create('while-gone'));
    expect(failed).toMatchObject({ name: 'ServiceException', $metadata: { httpStatusCode: 500 } });
    expect(failed!.message).toMatch(/state database \(PostgreSQL\) is unavailable/);
    // Every request asks the access keys whether it must be signed (a key made by gust keys
    // create counts at once), so an Invoke, too, gets the 500 rather than a guess.
    expect(await caught(invoke(s.lambda, 'echo', { n: 4 }))).toMatchObject({ name: 'ServiceException', $metadata: { httpStatusCode: 500 } });
    const queues = sqs(s);
    const sent = await caught(queues.send(new SendMessageCommand({ QueueUrl: `${s.url}/000000000000/jobs`, MessageBody: 'while gone' })));
    expect(sent?.$metadata?.httpStatusCode).toBe(500);
    queues.destroy();
    // Background work (the async queue's polls, the pollers, log flushes) meets the loss too.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(s.child.exitCode).toBeNull();
    await relay.open();
    await waitFor('CreateFunction to work again', async () => ((await caught(create('after-return'))) === undefined ? true : undefined), 15_000, 200);
    expect((await s.lambda.send(new ListFunctionsCommand({}))).Functions!.map((f) => f.FunctionName)).toContain('after-return');
    expect((await invoke(s.lambda, 'echo', { n: 5 })).json).toEqual({ event: { n: 5 }, version: '$LATEST' });
  }, 60_000);

  it('exits with one line when the database does not answer at start-up', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const dir = mkdtempSync(join(tmpdir(), 'gust-pgstore-down-'));
    try {
      const child = spawn(process.execPath, [join(ROOT, 'bin/gust.js'), 'serve', '--port', '0', '--data-dir', dir, '--store', `postgres://gust:secret@127.0.0.1:${port}/gust`], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.resume();
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      expect(code).toBe(1);
      const errorLines = stderr.split('\n').filter((l) => l.trim() !== '' && !/Warning|upgrade to node|a\.co\/|trace-warnings/.test(l));
      expect(errorLines).toEqual([`gust serve: cannot reach the PostgreSQL of --store postgres://gust:***@127.0.0.1:${port}/gust: connect ECONNREFUSED 127.0.0.1:${port}`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
