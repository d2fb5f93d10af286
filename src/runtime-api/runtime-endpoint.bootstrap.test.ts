/**
 * The endpoint against the canonical fixture: a bash `bootstrap` with curl, spawned as a
 * real process with AWS_LAMBDA_RUNTIME_API set, as Lambda's custom-runtime tutorial runs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Invocation } from '../core/model/invocation.js';
import { InitError, RuntimeEndpoint } from './runtime-endpoint.js';

const BOOTSTRAP = fileURLToPath(new URL('./testing/curl-bootstrap', import.meta.url));

interface Running {
  endpoint: RuntimeEndpoint;
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}
const running: Running[] = [];

async function startFixture(mode: string, options: { maxResponseBytes?: number } = {}): Promise<Running> {
  const endpoint = await RuntimeEndpoint.listen(options);
  // A clean environment: only what a runtime gets on Lambda, plus PATH for curl.
  const child = spawn(BOOTSTRAP, [], {
    env: { AWS_LAMBDA_RUNTIME_API: endpoint.address, FIXTURE_MODE: mode, PATH: '/usr/local/bin:/usr/bin:/bin' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const r = { endpoint, child, stderr: () => err, exited };
  running.push(r);
  return r;
}

afterEach(async () => {
  for (const r of running.splice(0)) {
    r.child.kill('SIGKILL');
    await r.exited;
    await r.endpoint.close();
  }
});

let seq = 0;
function invocation(payload: Buffer, over: Partial<Invocation> = {}): Invocation {
  return {
    requestId: `8476a536-e9f4-11e8-9739-2dfe598c${String(seq++).padStart(4, '0')}`,
    payload,
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fixture',
    traceId: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0',
    wantTail: false,
    ...over,
  };
}

/** A deadline ten seconds away. */
const soon = (): number => Date.now() + 10_000;

describe('RuntimeEndpoint with the curl bootstrap', () => {
  it('round-trips payload bytes unchanged, warm, several times', async () => {
    const { endpoint } = await startFixture('echo');
    await endpoint.ready();
    for (const payload of [Buffer.from('{"a":1}'), Buffer.from([0, 1, 2, 0xff, 0x0a, 0x0d, 0]), randomBytes(256 * 1024)]) {
      const outcome = await endpoint.deliver(invocation(payload), soon());
      expect(outcome.outcome).toBe('success');
      if (outcome.outcome === 'success') expect(outcome.payload.equals(payload)).toBe(true);
    }
  });

  it('delivers the invocation headers', async () => {
    const { endpoint } = await startFixture('headers');
    const inv = invocation(Buffer.from('{}'), { traceId: 'Root=1-abc', clientContext: '{"custom":{}}' });
    const outcome = await endpoint.deliver(inv, 1767225600123);
    expect(outcome.outcome).toBe('success');
    const text = outcome.outcome === 'success' ? outcome.payload.toString() : '';
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toContain(`Lambda-Runtime-Aws-Request-Id: ${inv.requestId}\r\n`);
    expect(text).toContain('Lambda-Runtime-Deadline-Ms: 1767225600123\r\n');
    expect(text).toContain(`Lambda-Runtime-Invoked-Function-Arn: ${inv.invokedFunctionArn}\r\n`);
    expect(text).toContain('Lambda-Runtime-Trace-Id: Root=1-abc\r\n');
    expect(text).toContain('Lambda-Runtime-Client-Context: {"custom":{}}\r\n');
    expect(text).toContain('Content-Type: application/json\r\n');
  });

  it('reports the error the runtime posts', async () => {
    const { endpoint } = await startFixture('error');
    const outcome = await endpoint.deliver(invocation(Buffer.from('{}')), soon());
    expect(outcome).toMatchObject({ outcome: 'error', errorType: 'Fixture.Failed' });
    if (outcome.outcome === 'error') expect(JSON.parse(outcome.payload.toString())).toEqual({ errorMessage: 'failed on purpose', errorType: 'Fixture.Failed' });
  });

  it('answers an oversized response 413 and the runtime carries on', async () => {
    const { endpoint, stderr } = await startFixture('echo', { maxResponseBytes: 1024 });
    expect(await endpoint.deliver(invocation(Buffer.alloc(4096, 0x41)), soon())).toMatchObject({ outcome: 'error', errorType: 'Function.ResponseSizeTooLarge' });
    const small = await endpoint.deliver(invocation(Buffer.from('"fits"')), soon());
    expect(small).toEqual({ outcome: 'success', payload: Buffer.from('"fits"') });
    // curl prints each status once it has the answer, a moment after the outcome.
    while (stderr().split('\n').length < 3) await new Promise((r) => setTimeout(r, 5));
    expect(stderr()).toBe('413\n202\n');
  });

  it('fails readiness with the init error the runtime posts, then sees it exit', async () => {
    const { endpoint, exited } = await startFixture('init-error');
    const err = await endpoint.ready().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InitError);
    expect((err as InitError).errorType).toBe('Fixture.InitFailed');
    expect(await exited).toBe(1);
  });

  it('aborts a running invocation when told to', async () => {
    const { endpoint } = await startFixture('echo');
    await endpoint.ready();
    // The fixture answers fast; abort before it can, right after the hand-over.
    const outcome = endpoint.deliver(invocation(Buffer.from('{}')), soon());
    endpoint.abortInvocation(new Error('timeout'));
    await expect(outcome).rejects.toMatchObject({ name: 'AbortError' });
    expect(endpoint.state).toBe('Aborted');
  });
});
