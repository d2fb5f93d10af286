/**
 * Gust's Python bootstrap, spawned for real (python3 by absolute path, clean environment)
 * against a real RuntimeEndpoint: handler import, errors in AWS's shapes, the context,
 * logging, warm reuse and exits.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InitError } from '../../src/runtime-api/runtime-endpoint.js';
import { body, pythonRuntime, startRuntime, stopAll, until } from './runtime-harness.js';

const PYTHON = pythonRuntime();

afterEach(stopAll);

const start = (handler: string, files: Record<string, string>, env?: Record<string, string>) => startRuntime(PYTHON!, { handler, files, ...(env ? { env } : {}) });

const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';

describe.skipIf(!PYTHON)('python bootstrap: handlers', () => {
  it('runs lambda_function.lambda_handler and returns its JSON', async () => {
    const rt = await start('lambda_function.lambda_handler', {
      'lambda_function.py': 'def lambda_handler(event, context):\n    return {"got": event, "unicode": "é", "n": [1, 2.5, None, True]}\n',
    });
    const outcome = await rt.invoke({ n: 1 });
    expect(outcome.outcome).toBe('success');
    expect(body(outcome)).toEqual({ got: { n: 1 }, unicode: 'é', n: [1, 2.5, null, true] });
  });

  it('imports dotted and slashed module paths', async () => {
    const files = { 'pkg/__init__.py': '', 'pkg/app.py': 'def handler(event, context):\n    return "pkg.app"\n' };
    expect(body(await (await start('pkg.app.handler', files)).invoke({}))).toBe('pkg.app');
    expect(body(await (await start('pkg/app.handler', files)).invoke({}))).toBe('pkg.app');
  });

  it('finds the task root first on sys.path, then PYTHONPATH (layers), and not the runtime', async () => {
    const layer = mkdtempSync(join(tmpdir(), 'gust-layer-'));
    try {
      writeFileSync(join(layer, 'shared.py'), 'WHERE = "layer"\n');
      const rt = await start(
        'app.handler',
        { 'app.py': 'import sys, shared\ndef handler(event, context):\n    return {"path": sys.path[:2], "shared": shared.WHERE, "runtime_visible": any("runtimes/python" in p for p in sys.path)}\n' },
        { PYTHONPATH: layer },
      );
      const got = body(await rt.invoke({})) as { path: string[]; shared: string; runtime_visible: boolean };
      expect(got.path).toEqual([rt.taskRoot, layer]);
      expect(got.shared).toBe('layer');
      expect(got.runtime_visible).toBe(false);
    } finally {
      rmSync(layer, { recursive: true, force: true });
    }
  });

  it('keeps module state between invocations of a warm runtime', async () => {
    const rt = await start('app.handler', { 'app.py': 'count = 0\ndef handler(event, context):\n    global count\n    count += 1\n    return count\n' });
    expect(body(await rt.invoke({}))).toBe(1);
    expect(body(await rt.invoke({}))).toBe(2);
  });

  it('sets _X_AMZN_TRACE_ID and, for OpenTelemetry SDKs, TRACEPARENT from the trace header, per invocation', async () => {
    const rt = await start('app.handler', { 'app.py': 'import os\ndef handler(event, context):\n    return [os.environ.get("_X_AMZN_TRACE_ID"), os.environ.get("TRACEPARENT")]\n' });
    const header = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0';
    expect(body(await rt.invoke({}, { traceId: header }))).toEqual([header, '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-00']);
    expect(body(await rt.invoke({}, { traceId: 'Root=1-5759e988-bd862e3fe1be46a994272793' }))).toEqual(['Root=1-5759e988-bd862e3fe1be46a994272793', null]);
  });

  it('marshals Decimal and bytes as AWS does', async () => {
    const rt = await start('app.handler', {
      'app.py': 'from decimal import Decimal\ndef handler(event, context):\n    if event.get("raw"):\n        return b"\\x00\\xffraw"\n    return {"int": Decimal("3"), "frac": Decimal("1.5")}\n',
    });
    expect(body(await rt.invoke({}))).toEqual({ int: 3, frac: 1.5 });
    const raw = await rt.invoke({ raw: true });
    expect(raw.outcome === 'success' && raw.payload.equals(Buffer.from([0, 0xff, 0x72, 0x61, 0x77]))).toBe(true);
  });
});

describe.skipIf(!PYTHON)('python bootstrap: errors', () => {
  it('posts a raised exception as {errorMessage, errorType, requestId, stackTrace} and logs it', async () => {
    const rt = await start('app.handler', { 'app.py': 'class PaymentDeclined(Exception):\n    pass\n\ndef handler(event, context):\n    raise PaymentDeclined("card refused")\n' });
    const outcome = await rt.invoke({});
    expect(outcome).toMatchObject({ outcome: 'error', errorType: 'PaymentDeclined' });
    const doc = body(outcome) as { errorMessage: string; errorType: string; requestId: string; stackTrace: string[] };
    expect(doc).toMatchObject({ errorMessage: 'card refused', errorType: 'PaymentDeclined', requestId: outcome.requestId });
    expect(doc.stackTrace).toHaveLength(1);
    expect(doc.stackTrace[0]).toMatch(/^ {2}File ".*\/app\.py", line 5, in handler\n {4}raise PaymentDeclined\("card refused"\)\n$/);
    await until(() => rt.stdout().some((l) => l.startsWith('[ERROR]')));
    expect(rt.stdout().find((l) => l.startsWith('[ERROR]'))).toMatch(/^\[ERROR\] PaymentDeclined: card refused\rTraceback \(most recent call last\):\r\u00a0\u00a0File ".*app\.py", line 5, in handler\r\u00a0\u00a0\u00a0\u00a0raise PaymentDeclined/);
  });

  it('reports a missing module as Runtime.ImportModuleError, posted at init, and exits 1', async () => {
    const rt = await start('missing_module.handler', {});
    const err = (await rt.endpoint.ready().catch((e: unknown) => e)) as InitError;
    expect(err).toBeInstanceOf(InitError);
    expect(err.errorType).toBe('Runtime.ImportModuleError');
    expect(JSON.parse(err.payload.toString())).toEqual({ errorMessage: "Unable to import module 'missing_module': No module named 'missing_module'", errorType: 'Runtime.ImportModuleError', requestId: '', stackTrace: [] });
    expect((await rt.exited).code).toBe(1);
  });

  it('reports a missing function as Runtime.HandlerNotFound', async () => {
    const rt = await start('app.handler', { 'app.py': 'def other(event, context):\n    return 1\n' });
    const err = (await rt.endpoint.ready().catch((e: unknown) => e)) as InitError;
    expect(err.errorType).toBe('Runtime.HandlerNotFound');
    expect(JSON.parse(err.payload.toString())).toMatchObject({ errorMessage: "Handler 'handler' missing on module 'app'" });
  });

  it('reports a syntax error as Runtime.UserCodeSyntaxError', async () => {
    const rt = await start('app.handler', { 'app.py': 'def handler(event, context)\n    return 1\n' });
    const err = (await rt.endpoint.ready().catch((e: unknown) => e)) as InitError;
    expect(err.errorType).toBe('Runtime.UserCodeSyntaxError');
    const doc = JSON.parse(err.payload.toString()) as { errorMessage: string; stackTrace: string[] };
    expect(doc.errorMessage).toMatch(/^Syntax error in module 'app': /);
    expect(doc.stackTrace[0]).toMatch(/^ {2}File ".*app\.py" Line 1\n/);
  });

  it('reports an exception raised at import as an init error named by its class', async () => {
    const rt = await start('app.handler', { 'app.py': 'raise KeyError("CONFIG")\n' });
    const err = (await rt.endpoint.ready().catch((e: unknown) => e)) as InitError;
    expect(err.errorType).toBe('KeyError');
    expect(JSON.parse(err.payload.toString())).toMatchObject({ errorMessage: "'CONFIG'" });
  });

  it('reports an unserialisable result as Runtime.MarshalError', async () => {
    const rt = await start('app.handler', { 'app.py': 'def handler(event, context):\n    return {"s": {1, 2}}\n' });
    const outcome = await rt.invoke({});
    expect(outcome).toMatchObject({ outcome: 'error', errorType: 'Runtime.MarshalError' });
    expect(body(outcome)).toMatchObject({ errorMessage: expect.stringMatching(/^Unable to marshal response: Object of type set is not JSON serializable/) });
  });

  it('lets os._exit end the process mid-invocation', async () => {
    const rt = await start('app.handler', { 'app.py': 'import os\ndef handler(event, context):\n    os._exit(1)\n' });
    await rt.endpoint.ready();
    rt.invoke({}).catch(() => undefined);
    expect(await rt.exited).toEqual({ code: 1, signal: null });
  });
});

describe.skipIf(!PYTHON)('python bootstrap: context and logs', () => {
  it('gives the handler the full context', async () => {
    const rt = await startRuntime(PYTHON!, {
      handler: 'app.handler',
      // Lambda sends a caller's Cognito identity; Gust has none to send.
      nextHeaders: { 'Lambda-Runtime-Cognito-Identity': '{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"}' },
      files: {
        'app.py': `def handler(event, context):
    cc = context.client_context
    return {
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "custom": cc.custom, "env": cc.env, "installation_id": cc.client.installation_id,
        "identity": [context.identity.cognito_identity_id, context.identity.cognito_identity_pool_id],
        "remaining": context.get_remaining_time_in_millis(),
    }
`,
      },
    });
    const outcome = await rt.invoke(
      {},
      { deadlineMs: Date.now() + 5000, clientContext: '{"custom":{"tenant":"a"},"env":{"locale":"en"},"client":{"installation_id":"inst-1"}}' },
    );
    const ctx = body(outcome) as Record<string, unknown>;
    expect(ctx).toMatchObject({
      aws_request_id: outcome.requestId,
      function_name: 'fixture-fn',
      function_version: '$LATEST',
      invoked_function_arn: 'arn:aws:lambda:us-east-1:000000000000:function:fixture-fn',
      memory_limit_in_mb: '128',
      log_group_name: '/aws/lambda/fixture-fn',
      log_stream_name: '2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
      custom: { tenant: 'a' },
      env: { locale: 'en' },
      installation_id: 'inst-1',
      identity: ['id-1', 'pool-1'],
    });
    expect(ctx.remaining).toBeGreaterThan(1000);
    expect(ctx.remaining).toBeLessThanOrEqual(5000);
  });

  it('writes print() as plain lines and logging records in Lambda’s format', async () => {
    const rt = await start('app.handler', {
      'app.py': `import logging
logger = logging.getLogger()
logger.setLevel(logging.INFO)
print("loading")
def handler(event, context):
    print("hello", "world")
    logger.info("info %s", 42)
    logging.getLogger("child").warning("two\\nlines")
    logger.debug("hidden")
    return "ok"
`,
    });
    const { requestId } = await rt.invoke({});
    await until(() => rt.stdout().length >= 4);
    expect(rt.stdout()).toEqual([
      'loading',
      'hello world',
      expect.stringMatching(new RegExp(`^\\[INFO\\]\\t${ISO}\\t${requestId}\\tinfo 42$`)),
      expect.stringMatching(new RegExp(`^\\[WARNING\\]\\t${ISO}\\t${requestId}\\ttwo\\rlines$`)),
    ]);
  });
});

describe.skipIf(!PYTHON)('python bootstrap: start-up', () => {
  it('reaches its first /next quickly (reported)', async () => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const rt = await start('app.handler', { 'app.py': 'def handler(event, context):\n    return 1\n' });
      times.push(await rt.readyMs);
      await rt.stop();
    }
    times.sort((a, b) => a - b);
    console.log(`python bootstrap (${PYTHON!.command}): spawn → first /next: median ${times[2]!.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times[4]!.toFixed(1)})`);
    expect(times[2]).toBeLessThan(2000);
  });
});
