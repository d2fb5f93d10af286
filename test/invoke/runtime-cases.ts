/**
 * The cases every Gust runtime must pass, as one table: node.spec.ts and python.spec.ts
 * each describe their runtime (a handler that answers the same `action`s, and what differs:
 * the error document, the import and handler-lookup messages, the exit status) and run the
 * table against a real server through the real SDK, beside their runtime's own tests.
 */
import { expect, it } from 'vitest';
import type { CreateFunctionCommandInput, InvokeCommandInput } from '@aws-sdk/client-lambda';
import type { TestGust } from '../helpers/gust.js';
import { ARN_PREFIX, createFunction, invoke, type Invoked } from '../helpers/lambda.js';
import { reportOf, startRequestId } from '../helpers/invoke.js';
import type { ZipFiles } from '../helpers/zips.js';
import { waitFor } from '../helpers/wait.js';
import { environmentGone } from '../helpers/processes.js';

/**
 * One runtime under test. Its handler answers the event's `action`: `echo` (returns
 * `data`), `fail` (throws `boom: <why>`), `exit` (exits the process), `big` (returns `size`
 * characters), `sleep` (`ms`), `context` (the context's facts under Node's names), and
 * otherwise `{ count, env }`: invocations of this environment and its log stream.
 */
export interface RuntimeUnderTest {
  /** CreateFunction's Runtime and Handler. */
  function: Pick<CreateFunctionCommandInput, 'Runtime' | 'Handler'>;
  files: ZipFiles;
  /** Checks the error document of the `fail` action (`why: 'because'`). */
  expectErrorDocument(r: Invoked): void;
  /** Code that fails to load, and the ImportModuleError message it gets (exactly, or matching). */
  importError: { files: ZipFiles; message: string | RegExp };
  /** A Handler naming a function the module lacks, and the HandlerNotFound message. */
  handlerNotFound: { handler: string; message: string };
  /** The status the `exit` action exits with. */
  exitStatus: number;
}

/**
 * A variable read when an interpreter starts (`LC_*`), so that a function's runtime starts the
 * ordinary way: its /proc/<pid>/environ then names its log stream, which is what
 * environmentGone() looks for. A runtime given a ready sandbox shows only the variables it
 * booted with there, and would look gone while it runs.
 */
const ORDINARY_START: Partial<CreateFunctionCommandInput> = { Environment: { Variables: { LC_GUST_TEST: '1' } } };

/** What the default action returns. */
export interface Count {
  count: number;
  /** The log stream: one per execution environment, also in the runtime's environment on the host. */
  env: string;
}

/**
 * Registers the table's cases in the caller's describe. `gust()` is the caller's server, on
 * which a function `main` of this runtime exists before the first case runs.
 */
export function runtimeCases(rt: RuntimeUnderTest, gust: () => TestGust): void {
  const create = (name: string, extra: Partial<CreateFunctionCommandInput> & { files?: ZipFiles } = {}) =>
    createFunction(gust().lambda, name, { ...rt.function, files: rt.files, ...extra });
  const call = (name: string, payload?: unknown, extra?: Partial<InvokeCommandInput>) => invoke(gust().lambda, name, payload, extra);

  it('round-trips a JSON payload unchanged', async () => {
    const data = { text: 'héllo ☃ 😀', n: 1.5, list: [1, null, true, { deep: ['x'] }], empty: {} };
    const r = await call('main', { action: 'echo', data });
    expect(r).toMatchObject({ status: 200, functionError: undefined, executedVersion: '$LATEST' });
    expect(r.json).toEqual(data);
  });

  it("returns a thrown error as Unhandled with the runtime's error document", async () => {
    const r = await call('main', { action: 'fail', why: 'because' });
    expect(r.status).toBe(200);
    expect(r.functionError).toBe('Unhandled');
    rt.expectErrorDocument(r);
  });

  it('reports a module that cannot load as Runtime.ImportModuleError, at every invoke', async () => {
    await create('import-error', { files: rt.importError.files });
    const { message } = rt.importError;
    for (let i = 0; i < 2; i++) {
      const r = await call('import-error');
      expect(r.functionError).toBe('Unhandled');
      expect(r.json).toMatchObject({ errorType: 'Runtime.ImportModuleError', errorMessage: typeof message === 'string' ? message : expect.stringMatching(message) });
    }
  });

  it('reports a missing handler as Runtime.HandlerNotFound', async () => {
    await create('no-handler', { Handler: rt.handlerNotFound.handler });
    const r = await call('no-handler');
    expect(r.functionError).toBe('Unhandled');
    expect(r.json).toMatchObject({ errorType: 'Runtime.HandlerNotFound', errorMessage: rt.handlerNotFound.message });
  });

  it('reports a response over 6 MB as Function.ResponseSizeTooLarge, and lets one just under through', async () => {
    // A whole vCPU and room to spare: at 128 MB (7% of a CPU) building 6 MB can outlast a
    // 3-second timeout on a loaded machine, and this case is about the size limit.
    await create('big', { MemorySize: 1769, Timeout: 15 });
    const r = await call('big', { action: 'big', size: 6 * 1024 * 1024 + 1000 });
    expect(r.functionError).toBe('Unhandled');
    expect(r.json).toEqual({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: expect.stringMatching(/^Response payload size exceeded maximum allowed payload size \(\d+ bytes\)\.$/),
    });
    const ok = await call('big', { action: 'big', size: 6 * 1024 * 1024 - 100 });
    expect(ok.functionError, ok.text.slice(0, 500)).toBeUndefined();
    expect(ok.text.length).toBe(6 * 1024 * 1024 - 98);
  });

  it('times out after Timeout seconds with Sandbox.Timedout, and the next invoke gets a fresh environment', async () => {
    await create('slow', { Timeout: 1, ...ORDINARY_START });
    const before = (await call('slow')).json as Count;
    expect(before.count).toBe(1);
    expect(environmentGone(before.env)).toBe(false);

    const started = Date.now();
    const r = await call('slow', { action: 'sleep', ms: 3000 }, { LogType: 'Tail' });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(2900);
    expect(r.functionError).toBe('Unhandled');
    const id = startRequestId(r.log!);
    expect(r.json).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${id} Error: Task timed out after 1.00 seconds` });
    expect(r.log).toContain('Task timed out after 1.00 seconds');
    expect(r.log).toMatch(/^REPORT RequestId: .*\tStatus: timeout$/m);
    await waitFor('the timed-out runtime to be gone', () => (environmentGone(before.env) ? true : undefined));

    const after = await call('slow', {}, { LogType: 'Tail' });
    expect(after.functionError).toBeUndefined();
    expect(after.json).toMatchObject({ count: 1 });
    expect((after.json as Count).env).not.toBe(before.env);
    expect(reportOf(after.log!).initDurationMs).toBeGreaterThan(0);
  });

  it('reports an exiting runtime as Runtime.ExitError, and the next invoke gets a fresh environment', async () => {
    await create('exits', ORDINARY_START);
    const before = (await call('exits')).json as Count;
    expect(environmentGone(before.env)).toBe(false);
    const r = await call('exits', { action: 'exit' }, { LogType: 'Tail' });
    expect(r.functionError).toBe('Unhandled');
    const id = startRequestId(r.log!);
    expect(r.json).toEqual({ errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${id} Error: Runtime exited with error: exit status ${rt.exitStatus}` });
    expect(environmentGone(before.env)).toBe(true);

    const after = await call('exits');
    expect(after.json).toMatchObject({ count: 1 });
    expect((after.json as Count).env).not.toBe(before.env);
  });

  it('fills the context: the function facts, the request id the caller sees, and the remaining time', async () => {
    const r = await call('main', { action: 'context' });
    const c = r.json as Record<string, unknown>;
    expect(c).toMatchObject({
      functionName: 'main',
      functionVersion: '$LATEST',
      invokedFunctionArn: `${ARN_PREFIX}main`,
      // A string, as on Lambda.
      memoryLimitInMB: '128',
      logGroupName: '/aws/lambda/main',
      clientContext: null,
    });
    expect(c.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    // The Invoke response's x-amzn-RequestId is the invocation's request id, as on AWS.
    expect(c.awsRequestId).toBe(r.requestId);
    expect(c.remaining).toBeGreaterThan(0);
    expect(c.remaining).toBeLessThanOrEqual(3000);
  });

  it('names the qualifier in invokedFunctionArn when the caller used one', async () => {
    const r = await call('main', { action: 'context' }, { Qualifier: '$LATEST' });
    expect(r.json).toMatchObject({ invokedFunctionArn: `${ARN_PREFIX}main:$LATEST`, functionVersion: '$LATEST' });
  });

  it('reuses a warm environment: module state survives between invokes', async () => {
    const a = (await call('main')).json as Count;
    const b = (await call('main')).json as Count;
    const c = (await call('main')).json as Count;
    expect([b.count - a.count, c.count - b.count]).toEqual([1, 1]);
    expect(new Set([a.env, b.env, c.env]).size).toBe(1);
  });
}
