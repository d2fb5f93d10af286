/**
 * Environments across control-plane changes and shutdown, through the real SDK against a
 * real server: a code update lets in-flight invokes finish on the old code and sends the
 * next ones to the new; DeleteFunction lets an invoke in flight finish, as AWS does, and
 * leaves no runtime behind; stopping the server leaves no runtime process behind.
 *
 * Handlers write a marker file (named by request id, holding their pid) into MARK_DIR when
 * an invocation starts, so a test knows an invoke is in flight without sleeping; MARK_DIR
 * is also in every runtime's environment, which finds the processes of one test in /proc.
 * The marker directory is a host directory, which only the process driver lets a function
 * write, so this suite runs on it; test/sandbox/escape.spec.ts checks that the namespace
 * driver leaves nothing behind either.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteFunctionCommand, LambdaClient, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { buildGust, serve, stopServer } from '../helpers/gust-process.js';
import { createFunction, expectAwsError, invoke, waitActive, type Invoked } from '../helpers/lambda.js';
import { rawConnection } from '../helpers/raw-http.js';
import { makeZip } from '../helpers/zips.js';
import { waitFor } from '../helpers/wait.js';
import { gone, processesMentioning } from '../helpers/processes.js';

const handler = (code: string) => `
const { renameSync, writeFileSync } = require('node:fs');
exports.handler = async (event, context) => {
  // Written aside and renamed, so that a reader never sees a half-written marker.
  const marker = process.env.MARK_DIR + '/' + context.awsRequestId;
  writeFileSync(marker + '.tmp', String(process.pid));
  renameSync(marker + '.tmp', marker);
  await new Promise((r) => setTimeout(r, event.ms ?? 0));
  return { code: '${code}', pid: process.pid };
};
`;

interface Answer {
  code: string;
  pid: number;
}

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'gust-lifecycle-'));
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A fresh marker directory for one function. */
function markDir(name: string): string {
  return mkdtempSync(join(root, `${name}-`));
}

/** Waits until `n` invocations have started (their markers exist); returns their pids. */
function started(dir: string, n: number): Promise<number[]> {
  return waitFor(`${n} invocations to start`, () => {
    const files = readdirSync(dir).filter((f) => !f.endsWith('.tmp'));
    return files.length >= n ? files.map((f) => Number(readFileSync(join(dir, f), 'utf8'))) : undefined;
  }, 10_000);
}

async function allGone(pids: number[]): Promise<void> {
  await waitFor(`runtimes ${pids.join(', ')} to stop`, () => (pids.every(gone) ? true : undefined), 5000);
}

describe('code updates and deletion during invokes', () => {
  let t: TestGust;

  beforeAll(async () => {
    t = await startTestGust({ flags: { sandbox: 'process' } });
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('UpdateFunctionCode: 3 invokes in flight finish on the old code, the next ones run the new code', async () => {
    const dir = markDir('update');
    await createFunction(t.lambda, 'update', { Environment: { Variables: { MARK_DIR: dir } }, files: { 'index.js': handler('old') } });
    const inFlight = Promise.all([1, 2, 3].map(() => invoke(t.lambda, 'update', { ms: 1000 })));
    const oldPids = await started(dir, 3);

    await t.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'update', ZipFile: await makeZip({ 'index.js': handler('new') }) }));
    await waitActive(t.lambda, 'update');

    const old = await inFlight;
    expect(old.map((r) => r.functionError)).toEqual([undefined, undefined, undefined]);
    expect(old.map((r) => (r.json as Answer).code)).toEqual(['old', 'old', 'old']);
    expect(new Set(old.map((r) => (r.json as Answer).pid))).toEqual(new Set(oldPids));

    for (let i = 0; i < 3; i++) {
      const r = await invoke(t.lambda, 'update');
      expect(r.json).toMatchObject({ code: 'new' });
      expect(oldPids).not.toContain((r.json as Answer).pid);
    }
    // The old environments are drained and stopped once their invocations ended.
    await allGone(oldPids);
  });

  it('DeleteFunction during an invoke lets it finish with the handler\'s answer, then leaves no runtime behind', async () => {
    const dir = markDir('doomed');
    await createFunction(t.lambda, 'doomed', { Timeout: 30, Environment: { Variables: { MARK_DIR: dir } }, files: { 'index.js': handler('x') } });
    const pending = invoke(t.lambda, 'doomed', { ms: 1500 });
    const [pid] = await started(dir, 1);

    await t.lambda.send(new DeleteFunctionCommand({ FunctionName: 'doomed' }));
    // Gone for new requests at once, as on AWS...
    await expectAwsError(invoke(t.lambda, 'doomed'), 'ResourceNotFoundException', 404);
    // ...while the invocation in flight runs to its end.
    const outcome = await pending;
    expect(outcome.status).toBe(200);
    expect(outcome.functionError).toBeUndefined();
    expect(outcome.json).toEqual({ code: 'x', pid });

    await allGone([pid!]);
    expect(processesMentioning(dir)).toEqual([]);
  });
});

describe('server shutdown', () => {
  it('lets an invoke in flight finish with its answer within --shutdown-grace, and takes no new connection meanwhile', async () => {
    const t = await startTestGust({ flags: { sandbox: 'process', shutdownGrace: '10s' } });
    const dir = markDir('grace');
    let stopped = false;
    try {
      await createFunction(t.lambda, 'graceful', { Timeout: 30, Environment: { Variables: { MARK_DIR: dir } }, files: { 'index.js': handler('g') } });
      const client = new LambdaClient({ endpoint: t.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
      const busy = invoke(client, 'graceful', { ms: 1_500 }).catch((err: Error) => err);
      await started(dir, 1);
      const stopping = t.stop();
      await new Promise((r) => setTimeout(r, 200));
      // The port is closed to new connections while the invoke goes on.
      const refused = await fetch(`${t.url}/health`).then(
        () => undefined,
        (err: Error & { cause?: { code?: string } }) => err.cause?.code,
      );
      expect(refused).toBe('ECONNREFUSED');
      const answer = await busy;
      client.destroy();
      expect(answer).not.toBeInstanceOf(Error);
      expect((answer as Invoked).functionError).toBeUndefined();
      expect((answer as Invoked).json).toMatchObject({ code: 'g' });
      await stopping;
      stopped = true;
      expect(processesMentioning(dir)).toEqual([]);
    } finally {
      if (!stopped) await t.stop();
    }
  });

  it("answers a request that comes on a busy connection after the close began with AWS's 503 in its API's shape, and Connection: close", async () => {
    const t = await startTestGust({ flags: { sandbox: 'process', shutdownGrace: '10s' } });
    const dir = markDir('closing');
    try {
      await createFunction(t.lambda, 'closing', { Timeout: 30, Environment: { Variables: { MARK_DIR: dir } }, files: { 'index.js': handler('c') } });
      const port = Number(new URL(t.url).port);
      // Each connection is busy with an invoke when the close begins, so it stays open for
      // the one request pipelined after it: Lambda's, SQS's (JSON protocol) and S3's.
      const late = [
        'GET /2015-03-31/functions/ HTTP/1.1\r\nHost: x\r\n\r\n',
        'POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AmazonSQS.ListQueues\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n\r\n{}',
        'GET /__s3/ HTTP/1.1\r\nHost: x\r\n\r\n',
      ];
      const connections = late.map(() => rawConnection(port, 'POST /2015-03-31/functions/closing/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n{"ms":1500}'));
      await started(dir, late.length);
      const stopping = t.stop();
      await new Promise((r) => setTimeout(r, 200));
      late.forEach((request, i) => connections[i]!.socket.write(request));
      const texts = await Promise.all(connections.map((c) => c.ended));
      await stopping;
      const refusals = texts.map((text) => {
        expect(text.startsWith('HTTP/1.1 200 ')).toBe(true);
        const refused = text.slice(text.indexOf('HTTP/1.1 503 '));
        expect(refused).toMatch(/\r\nconnection: close\r\n/i);
        return { head: refused.slice(0, refused.indexOf('\r\n\r\n')), body: refused.slice(refused.indexOf('\r\n\r\n') + 4) };
      });
      const message = 'The server is shutting down and takes no new requests; send the request again.';
      expect(refusals[0]!.head).toMatch(/\r\nx-amzn-ErrorType: ServiceUnavailable\r\n/i);
      expect(JSON.parse(refusals[0]!.body)).toEqual({ Type: 'Service', Message: message });
      expect(JSON.parse(refusals[1]!.body)).toEqual({ __type: 'com.amazonaws.sqs#ServiceUnavailable', message });
      expect(refusals[2]!.body).toContain(`<Code>ServiceUnavailable</Code><Message>${message}</Message>`);
    } finally {
      await t.stop();
    }
  });

  it('stops at once on a second SIGTERM, without the rest of --shutdown-grace, and still stops every runtime', async () => {
    buildGust();
    const dataDir = mkdtempSync(join(root, 'data-'));
    const dir = markDir('second-signal');
    const server = await serve(dataDir, ['--sandbox', 'process', '--shutdown-grace', '60s']);
    try {
      await createFunction(server.lambda, 'long', { Timeout: 60, Environment: { Variables: { MARK_DIR: dir } }, files: { 'index.js': handler('l') } });
      const busy = invoke(server.lambda, 'long', { ms: 50_000 }).catch((err: Error) => err);
      await started(dir, 1);
      const begin = Date.now();
      server.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      // The environments' stop (SIGTERM, then SIGKILL after 2 s), not the 60 s grace.
      expect(Date.now() - begin).toBeLessThan(15_000);
      expect(await busy).toMatchObject({ functionError: 'Unhandled', json: { errorType: 'Runtime.ExitError' } });
      expect(processesMentioning(dir)).toEqual([]);
    } finally {
      await stopServer(server);
    }
  }, 60_000);

  it('stops every runtime, idle or invoking, when the server stops', async () => {
    const t = await startTestGust({ flags: { sandbox: 'process' } });
    const dir = markDir('shutdown');
    let stopped = false;
    try {
      await createFunction(t.lambda, 'warm', { Timeout: 30, Environment: { Variables: { MARK_DIR: dir } }, files: { 'index.js': handler('x') } });
      // Three environments, warm and idle.
      const warm = await Promise.all([1, 2, 3].map(() => invoke(t.lambda, 'warm', { ms: 300 })));
      const pids = warm.map((r) => (r.json as Answer).pid);
      expect(new Set(pids).size).toBe(3);
      // And one of them in the middle of an invocation, on a client of its own (stop()
      // destroys t.lambda), to see what the server answers it.
      const client = new LambdaClient({ endpoint: t.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
      const busy = invoke(client, 'warm', { ms: 20_000 }).catch((err: Error) => err);
      const all = await started(dir, 4);
      expect(processesMentioning(dir).sort()).toEqual([...new Set(all)].sort());

      const begin = Date.now();
      await t.stop();
      stopped = true;
      // The default --shutdown-grace (5 s), then the environments stop.
      expect(Date.now() - begin).toBeLessThan(10_000);
      // The invocation the stop cut short is answered, as a runtime that went away.
      const cut = await busy;
      client.destroy();
      expect(cut).not.toBeInstanceOf(Error);
      expect((cut as Invoked).functionError).toBe('Unhandled');
      expect((cut as Invoked).json).toMatchObject({ errorType: 'Runtime.ExitError' });
      // Nothing of the server's runtimes survives: by pid, and by a scan of /proc.
      await allGone(all);
      expect(processesMentioning(dir)).toEqual([]);
      expect(processesMentioning(t.dataDir)).toEqual([]);
    } finally {
      if (!stopped) await t.stop();
    }
  });
});
