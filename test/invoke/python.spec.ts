/**
 * Synchronous Invoke of Python functions through the real SDK against a real server,
 * with Gust's Python runtime on the host's /usr/bin/python3: results, the error documents
 * of raised exceptions, import and handler-lookup failures, timeouts, crashes, oversized
 * responses, the context object and warm reuse.
 *
 * One function (`main`) serves most tests through an `action` in the event, so that they
 * share one warm environment.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { ARN_PREFIX, createFunction, environmentGone, invoke, reportOf, startRequestId, waitFor } from '../helpers/invoke.js';

const PYTHON = '/usr/bin/python3';
const HAVE_PYTHON = existsSync(PYTHON);
if (!HAVE_PYTHON) console.warn(`test/invoke/python.spec.ts skipped: no ${PYTHON} on this host`);

const HANDLER = `
import os
import time

count = 0


def handler(event, context):
    global count
    count += 1
    action = event.get("action")
    if action == "echo":
        return event["data"]
    if action == "raise":
        raise ValueError("boom: " + event["why"])
    if action == "exit":
        os._exit(1)
    if action == "big":
        return "x" * event["size"]
    if action == "sleep":
        time.sleep(event["ms"] / 1000)
        return "slept"
    if action == "context":
        cc = context.client_context
        return {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "aws_request_id": context.aws_request_id,
            "remaining": context.get_remaining_time_in_millis(),
            "custom": cc.custom if cc else None,
            "env": cc.env if cc else None,
        }
    return {"count": count, "env": context.log_stream_name}
`;

const PY = { Runtime: 'python3.11' as const, Handler: 'lambda_function.handler' };
const FILES = { 'lambda_function.py': HANDLER };

interface Count {
  count: number;
  /** The log stream: one per execution environment, also in the runtime's environment on the host. */
  env: string;
}

let t: TestGust;

describe.skipIf(!HAVE_PYTHON)('python functions', () => {
  beforeAll(async () => {
    t = await startTestGust();
    await createFunction(t.lambda, 'main', { ...PY, files: FILES });
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('round-trips a JSON payload unchanged', async () => {
    const data = { text: 'héllo ☃ 😀', n: 1.5, list: [1, null, true, { deep: ['x'] }], empty: {} };
    const r = await invoke(t.lambda, 'main', { action: 'echo', data });
    expect(r).toMatchObject({ status: 200, functionError: undefined, executedVersion: '$LATEST' });
    expect(r.json).toEqual(data);
  });

  it('returns a raised exception as Unhandled with the Python runtime error document', async () => {
    const r = await invoke(t.lambda, 'main', { action: 'raise', why: 'because' });
    expect(r.functionError).toBe('Unhandled');
    expect(r.json).toEqual({ errorType: 'ValueError', errorMessage: 'boom: because', requestId: r.requestId, stackTrace: expect.any(Array) });
    const trace = (r.json as { stackTrace: string[] }).stackTrace;
    // The function's own frames only, not the runtime's.
    expect(trace.length).toBeGreaterThan(0);
    expect(trace.every((f) => f.includes('lambda_function.py'))).toBe(true);
    expect(trace.at(-1)).toContain('raise ValueError("boom: " + event["why"])');
  });

  it('reports a module that cannot be imported as Runtime.ImportModuleError', async () => {
    await createFunction(t.lambda, 'import-error', { ...PY, files: { 'lambda_function.py': 'import no_such_module\n\ndef handler(e, c):\n    return 1\n' } });
    const r = await invoke(t.lambda, 'import-error');
    expect(r.functionError).toBe('Unhandled');
    expect(r.json).toMatchObject({ errorType: 'Runtime.ImportModuleError', errorMessage: "Unable to import module 'lambda_function': No module named 'no_such_module'" });
  });

  it('reports a missing handler function as Runtime.HandlerNotFound', async () => {
    await createFunction(t.lambda, 'no-handler', { ...PY, Handler: 'lambda_function.nope', files: FILES });
    const r = await invoke(t.lambda, 'no-handler');
    expect(r.functionError).toBe('Unhandled');
    expect(r.json).toMatchObject({ errorType: 'Runtime.HandlerNotFound', errorMessage: "Handler 'nope' missing on module 'lambda_function'" });
  });

  it('reports a response over 6 MB as Function.ResponseSizeTooLarge', async () => {
    const r = await invoke(t.lambda, 'main', { action: 'big', size: 6 * 1024 * 1024 + 1000 });
    expect(r.functionError).toBe('Unhandled');
    expect(r.json).toEqual({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: expect.stringMatching(/^Response payload size exceeded maximum allowed payload size \(\d+ bytes\)\.$/),
    });
  });

  it('times out after Timeout seconds with Sandbox.Timedout, and the next invoke gets a fresh environment', async () => {
    await createFunction(t.lambda, 'slow', { ...PY, Timeout: 1, files: FILES });
    const before = (await invoke(t.lambda, 'slow')).json as Count;
    const started = Date.now();
    const r = await invoke(t.lambda, 'slow', { action: 'sleep', ms: 3000 }, { LogType: 'Tail' });
    expect(Date.now() - started).toBeLessThan(2900);
    expect(r.functionError).toBe('Unhandled');
    expect(r.json).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${startRequestId(r.log!)} Error: Task timed out after 1.00 seconds` });
    await waitFor('the timed-out runtime to be gone', () => (environmentGone(before.env) ? true : undefined));

    const after = await invoke(t.lambda, 'slow', {}, { LogType: 'Tail' });
    expect(after.json).toMatchObject({ count: 1 });
    expect((after.json as Count).env).not.toBe(before.env);
    expect(reportOf(after.log!).initDurationMs).toBeGreaterThan(0);
  });

  it('reports os._exit(1) as Runtime.ExitError, and the next invoke gets a fresh environment', async () => {
    const before = (await invoke(t.lambda, 'main')).json as Count;
    const r = await invoke(t.lambda, 'main', { action: 'exit' }, { LogType: 'Tail' });
    expect(r.functionError).toBe('Unhandled');
    expect(r.json).toEqual({ errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${startRequestId(r.log!)} Error: Runtime exited with error: exit status 1` });
    expect(environmentGone(before.env)).toBe(true);
    const after = (await invoke(t.lambda, 'main')).json as Count;
    expect(after.count).toBe(1);
    expect(after.env).not.toBe(before.env);
  });

  it('fills the context: function facts, request id, remaining time, client context', async () => {
    const clientContext = { custom: { tenant: 'acme' }, env: { locale: 'en_GB' } };
    const r = await invoke(t.lambda, 'main', { action: 'context' }, { Qualifier: '$LATEST', ClientContext: Buffer.from(JSON.stringify(clientContext)).toString('base64') });
    const c = r.json as Record<string, unknown>;
    expect(c).toMatchObject({
      function_name: 'main',
      function_version: '$LATEST',
      invoked_function_arn: `${ARN_PREFIX}main:$LATEST`,
      memory_limit_in_mb: '128',
      log_group_name: '/aws/lambda/main',
      aws_request_id: r.requestId,
      custom: { tenant: 'acme' },
      env: { locale: 'en_GB' },
    });
    expect(c.log_stream_name).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(c.remaining).toBeGreaterThan(0);
    expect(c.remaining).toBeLessThanOrEqual(3000);

    const plain = (await invoke(t.lambda, 'main', { action: 'context' })).json as Record<string, unknown>;
    expect(plain).toMatchObject({ invoked_function_arn: `${ARN_PREFIX}main`, custom: null });
  });

  it('reuses a warm environment: module state survives between invokes', async () => {
    const a = (await invoke(t.lambda, 'main')).json as Count;
    const b = (await invoke(t.lambda, 'main')).json as Count;
    const c = (await invoke(t.lambda, 'main')).json as Count;
    expect([b.count - a.count, c.count - b.count]).toEqual([1, 1]);
    expect(new Set([a.env, b.env, c.env]).size).toBe(1);
  });
});
