/**
 * Synchronous Invoke of Python functions through the real SDK against a real server, with
 * Gust's Python runtime on the host's /usr/bin/python3: the cases every runtime passes
 * (runtime-cases.ts: results, error documents, import and handler-lookup failures,
 * timeouts, crashes, oversized responses, the context object, warm reuse), and the client
 * context as Python's runtime hands it over.
 *
 * One function (`main`) serves most tests through an `action` in the event, so that they
 * share one warm environment.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { createFunction, invoke } from '../helpers/lambda.js';
import { runtimeCases, type RuntimeUnderTest } from './runtime-cases.js';

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
    if action == "fail":
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
            "functionName": context.function_name,
            "functionVersion": context.function_version,
            "invokedFunctionArn": context.invoked_function_arn,
            "memoryLimitInMB": context.memory_limit_in_mb,
            "logGroupName": context.log_group_name,
            "logStreamName": context.log_stream_name,
            "awsRequestId": context.aws_request_id,
            "remaining": context.get_remaining_time_in_millis(),
            "clientContext": {"custom": cc.custom, "env": cc.env} if cc else None,
        }
    return {"count": count, "env": context.log_stream_name}
`;

const PYTHON_RUNTIME: RuntimeUnderTest = {
  function: { Runtime: 'python3.12', Handler: 'lambda_function.handler' },
  files: { 'lambda_function.py': HANDLER },
  expectErrorDocument(r) {
    expect(r.json).toEqual({ errorType: 'ValueError', errorMessage: 'boom: because', requestId: r.requestId, stackTrace: expect.any(Array) });
    const trace = (r.json as { stackTrace: string[] }).stackTrace;
    // The function's own frames only, not the runtime's.
    expect(trace.length).toBeGreaterThan(0);
    expect(trace.every((f) => f.includes('lambda_function.py'))).toBe(true);
    expect(trace.at(-1)).toContain('raise ValueError("boom: " + event["why"])');
  },
  importError: {
    files: { 'lambda_function.py': 'import no_such_module\n\ndef handler(e, c):\n    return 1\n' },
    message: "Unable to import module 'lambda_function': No module named 'no_such_module'",
  },
  handlerNotFound: { handler: 'lambda_function.nope', message: "Handler 'nope' missing on module 'lambda_function'" },
  exitStatus: 1,
};

let t: TestGust;

describe.skipIf(!HAVE_PYTHON)('python functions', () => {
  beforeAll(async () => {
    t = await startTestGust();
    await createFunction(t.lambda, 'main', { ...PYTHON_RUNTIME.function, files: PYTHON_RUNTIME.files });
  });

  afterAll(async () => {
    await t?.stop();
  });

  runtimeCases(PYTHON_RUNTIME, () => t);

  it("hands the SDK ClientContext's custom and env to the handler as context.client_context", async () => {
    const clientContext = { custom: { tenant: 'acme' }, env: { locale: 'en_GB' } };
    const r = await invoke(t.lambda, 'main', { action: 'context' }, { Qualifier: '$LATEST', ClientContext: Buffer.from(JSON.stringify(clientContext)).toString('base64') });
    expect(r.json).toMatchObject({ invokedFunctionArn: expect.stringMatching(/:main:\$LATEST$/), awsRequestId: r.requestId, clientContext });
  });
});
