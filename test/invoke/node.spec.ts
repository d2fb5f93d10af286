/**
 * Synchronous Invoke of Node.js functions through the real SDK against a real server:
 * results, the error documents of thrown errors, init failures, timeouts, crashes and
 * oversized responses, the context object, warm reuse and the cold start after the
 * keep-alive, qualifier and alias routing, and the Invoke API's own errors.
 *
 * One function (`main`) serves most tests through an `action` in the event, so that they
 * share one warm environment instead of paying a cold start each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateAliasCommand, PublishVersionCommand, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { ARN_PREFIX, createFunction, expectAwsError, invoke, waitActive, waitFor } from '../helpers/lambda.js';
import { environmentGone, reportOf, startRequestId } from '../helpers/invoke.js';
import { makeZip } from '../helpers/zips.js';

const HANDLER = `
let count = 0;
exports.handler = async (event, context) => {
  count++;
  switch (event.action) {
    case 'echo':
      return event.data;
    case 'throw':
      throw new TypeError('boom: ' + event.why);
    case 'exit':
      process.exit(3);
    case 'big':
      return 'x'.repeat(event.size);
    case 'sleep':
      await new Promise((r) => setTimeout(r, event.ms));
      return 'slept';
    case 'context':
      return {
        functionName: context.functionName,
        functionVersion: context.functionVersion,
        invokedFunctionArn: context.invokedFunctionArn,
        memoryLimitInMB: context.memoryLimitInMB,
        logGroupName: context.logGroupName,
        logStreamName: context.logStreamName,
        awsRequestId: context.awsRequestId,
        remaining: context.getRemainingTimeInMillis(),
        clientContext: context.clientContext ?? null,
      };
    default:
      return { count, env: context.logStreamName };
  }
};
`;

interface Count {
  count: number;
  /** The log stream: one per execution environment, also in the runtime's environment on the host. */
  env: string;
}

let t: TestGust;

beforeAll(async () => {
  t = await startTestGust();
  await createFunction(t.lambda, 'main', { files: { 'index.js': HANDLER } });
});

afterAll(async () => {
  await t?.stop();
});

describe('results and function errors', () => {
  it('round-trips a JSON payload unchanged', async () => {
    const data = { text: 'héllo ☃ 😀', n: 1.5, list: [1, null, true, { deep: ['x'] }], empty: {} };
    const r = await invoke(t.lambda, 'main', { action: 'echo', data });
    expect(r).toMatchObject({ status: 200, functionError: undefined, executedVersion: '$LATEST' });
    expect(r.json).toEqual(data);
  });

  it('answers an empty payload as the event {}', async () => {
    const r = await invoke(t.lambda, 'main', Buffer.alloc(0));
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ count: expect.any(Number) });
  });

  it('returns a thrown error as Unhandled with the Node runtime error document', async () => {
    const r = await invoke(t.lambda, 'main', { action: 'throw', why: 'because' });
    expect(r.status).toBe(200);
    expect(r.functionError).toBe('Unhandled');
    // AWS's Node.js runtime names the stack `trace` (Python's says `stackTrace`).
    expect(r.json).toEqual({ errorType: 'TypeError', errorMessage: 'boom: because', trace: expect.any(Array) });
    const trace = (r.json as { trace: string[] }).trace;
    expect(trace[0]).toBe('TypeError: boom: because');
    expect(trace.some((l) => l.includes('index.js'))).toBe(true);
  });

  it('reports a module that cannot load as Runtime.ImportModuleError, at every invoke', async () => {
    await createFunction(t.lambda, 'import-error', { files: { 'index.js': "require('no-such-package');\nexports.handler = async () => 1;\n" } });
    for (let i = 0; i < 2; i++) {
      const r = await invoke(t.lambda, 'import-error');
      expect(r.functionError).toBe('Unhandled');
      expect(r.json).toMatchObject({ errorType: 'Runtime.ImportModuleError', errorMessage: expect.stringMatching(/^Error: Cannot find module 'no-such-package'/) });
    }
    await createFunction(t.lambda, 'no-module', { Handler: 'missing.handler', files: { 'index.js': HANDLER } });
    const missing = await invoke(t.lambda, 'no-module');
    expect(missing.json).toMatchObject({ errorType: 'Runtime.ImportModuleError', errorMessage: expect.stringMatching(/^Error: Cannot find module 'missing'/) });
  });

  it('reports a missing export as Runtime.HandlerNotFound', async () => {
    await createFunction(t.lambda, 'no-handler', { Handler: 'index.nope', files: { 'index.js': HANDLER } });
    const r = await invoke(t.lambda, 'no-handler');
    expect(r.functionError).toBe('Unhandled');
    expect(r.json).toMatchObject({ errorType: 'Runtime.HandlerNotFound', errorMessage: 'index.nope is undefined or not exported' });
  });

  it('reports a response over 6 MB as Function.ResponseSizeTooLarge', async () => {
    const r = await invoke(t.lambda, 'main', { action: 'big', size: 6 * 1024 * 1024 + 1000 });
    expect(r.functionError).toBe('Unhandled');
    expect(r.json).toEqual({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: expect.stringMatching(/^Response payload size exceeded maximum allowed payload size \(\d+ bytes\)\.$/),
    });
    // Just under the limit still goes through.
    const ok = await invoke(t.lambda, 'main', { action: 'big', size: 6 * 1024 * 1024 - 100 });
    expect(ok.functionError).toBeUndefined();
    expect(ok.text.length).toBe(6 * 1024 * 1024 - 98);
  });
});

describe('timeouts and crashes', () => {
  it('times out after Timeout seconds with Sandbox.Timedout, and the next invoke gets a fresh environment', async () => {
    await createFunction(t.lambda, 'slow', { Timeout: 1, files: { 'index.js': HANDLER } });
    const before = (await invoke(t.lambda, 'slow')).json as Count;
    expect(before.count).toBe(1);

    const started = Date.now();
    const r = await invoke(t.lambda, 'slow', { action: 'sleep', ms: 3000 }, { LogType: 'Tail' });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(2900);
    expect(r.functionError).toBe('Unhandled');
    const id = startRequestId(r.log!);
    expect(r.json).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${id} Error: Task timed out after 1.00 seconds` });
    expect(r.log).toContain('Task timed out after 1.00 seconds');
    expect(r.log).toMatch(/^REPORT RequestId: .*\tStatus: timeout$/m);
    await waitFor('the timed-out runtime to be gone', () => (environmentGone(before.env) ? true : undefined));

    const after = await invoke(t.lambda, 'slow', {}, { LogType: 'Tail' });
    expect(after.functionError).toBeUndefined();
    expect(after.json).toMatchObject({ count: 1 });
    expect((after.json as Count).env).not.toBe(before.env);
    expect(reportOf(after.log!).initDurationMs).toBeGreaterThan(0);
  });

  it('reports process.exit(3) as Runtime.ExitError, and the next invoke gets a fresh environment', async () => {
    const before = (await invoke(t.lambda, 'main')).json as Count;
    const r = await invoke(t.lambda, 'main', { action: 'exit' }, { LogType: 'Tail' });
    expect(r.functionError).toBe('Unhandled');
    const id = startRequestId(r.log!);
    expect(r.json).toEqual({ errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${id} Error: Runtime exited with error: exit status 3` });
    expect(environmentGone(before.env)).toBe(true);

    const after = await invoke(t.lambda, 'main');
    expect(after.json).toMatchObject({ count: 1 });
    expect((after.json as Count).env).not.toBe(before.env);
  });
});

describe('the context object', () => {
  it('carries the function facts, the request id the caller sees, and the remaining time', async () => {
    const r = await invoke(t.lambda, 'main', { action: 'context' });
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

  it('hands the SDK ClientContext to the handler as context.clientContext', async () => {
    const clientContext = { custom: { tenant: 'acme', n: 7 }, env: { locale: 'en_GB' }, client: { app_title: 'demo' } };
    const r = await invoke(t.lambda, 'main', { action: 'context' }, { ClientContext: Buffer.from(JSON.stringify(clientContext)).toString('base64') });
    expect((r.json as { clientContext: unknown }).clientContext).toEqual(clientContext);
  });

  it('refuses a ClientContext that is not base64 of a JSON object', async () => {
    for (const bad of ['not base64!', Buffer.from('not json').toString('base64'), Buffer.from('[1]').toString('base64')]) {
      await expectAwsError(invoke(t.lambda, 'main', {}, { ClientContext: bad }), 'InvalidRequestContentException', 400, 'Client context must be a valid Base64-encoded JSON object.');
    }
  });

  it('names the qualifier in invokedFunctionArn when the caller used one', async () => {
    const r = await invoke(t.lambda, 'main', { action: 'context' }, { Qualifier: '$LATEST' });
    expect(r.json).toMatchObject({ invokedFunctionArn: `${ARN_PREFIX}main:$LATEST`, functionVersion: '$LATEST' });
  });
});

describe('environment reuse', () => {
  it('reuses a warm environment: module state survives between invokes', async () => {
    const a = (await invoke(t.lambda, 'main')).json as Count;
    const b = (await invoke(t.lambda, 'main')).json as Count;
    const c = (await invoke(t.lambda, 'main')).json as Count;
    expect([b.count - a.count, c.count - b.count]).toEqual([1, 1]);
    expect(new Set([a.env, b.env, c.env]).size).toBe(1);
  });

  it('starts cold again after the keep-alive: module state resets and REPORT has Init Duration', async () => {
    const short = await startTestGust({ flags: { keepAlive: '300ms' } });
    try {
      await createFunction(short.lambda, 'ka', { files: { 'index.js': HANDLER } });
      const first = await invoke(short.lambda, 'ka', {}, { LogType: 'Tail' });
      expect(first.json).toMatchObject({ count: 1 });
      expect(reportOf(first.log!).initDurationMs).toBeGreaterThan(0);
      const warm = await invoke(short.lambda, 'ka', {}, { LogType: 'Tail' });
      expect(warm.json).toMatchObject({ count: 2, env: (first.json as Count).env });
      expect(reportOf(warm.log!).initDurationMs).toBeUndefined();

      // Scaled to zero: the idle runtime stops after the keep-alive.
      await waitFor('the idle runtime to stop', () => (environmentGone((first.json as Count).env) ? true : undefined), 3000);
      const cold = await invoke(short.lambda, 'ka', {}, { LogType: 'Tail' });
      expect(cold.json).toMatchObject({ count: 1 });
      expect((cold.json as Count).env).not.toBe((first.json as Count).env);
      expect(reportOf(cold.log!).initDurationMs).toBeGreaterThan(0);
    } finally {
      await short.stop();
    }
  });
});

describe('qualifiers and aliases', () => {
  const version = (tag: string) => `exports.handler = async (e, ctx) => ({ tag: '${tag}', version: ctx.functionVersion, arn: ctx.invokedFunctionArn });\n`;

  beforeAll(async () => {
    await createFunction(t.lambda, 'routed', { files: { 'index.js': version('one') } });
    await t.lambda.send(new PublishVersionCommand({ FunctionName: 'routed' }));
    await t.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'routed', ZipFile: await makeZip({ 'index.js': version('two') }) }));
    await waitActive(t.lambda, 'routed');
    await t.lambda.send(new PublishVersionCommand({ FunctionName: 'routed' }));
    await t.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'routed', ZipFile: await makeZip({ 'index.js': version('latest') }) }));
    await waitActive(t.lambda, 'routed');
    await t.lambda.send(new CreateAliasCommand({ FunctionName: 'routed', Name: 'live', FunctionVersion: '1' }));
    await t.lambda.send(new CreateAliasCommand({ FunctionName: 'routed', Name: 'canary', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.5 } } }));
  });

  it('runs $LATEST without a qualifier and with Qualifier $LATEST', async () => {
    for (const extra of [{}, { Qualifier: '$LATEST' }]) {
      const r = await invoke(t.lambda, 'routed', {}, extra);
      expect(r.executedVersion).toBe('$LATEST');
      expect(r.json).toMatchObject({ tag: 'latest', version: '$LATEST' });
    }
  });

  it('runs a published version', async () => {
    const r = await invoke(t.lambda, 'routed', {}, { Qualifier: '1' });
    expect(r.executedVersion).toBe('1');
    expect(r.json).toEqual({ tag: 'one', version: '1', arn: `${ARN_PREFIX}routed:1` });
  });

  it('runs the version an alias points to, with the alias in invokedFunctionArn', async () => {
    const r = await invoke(t.lambda, 'routed', {}, { Qualifier: 'live' });
    expect(r.executedVersion).toBe('1');
    expect(r.json).toEqual({ tag: 'one', version: '1', arn: `${ARN_PREFIX}routed:live` });
  });

  it('accepts name:qualifier and ARN:qualifier in FunctionName', async () => {
    const short = await invoke(t.lambda, 'routed:2');
    expect(short.executedVersion).toBe('2');
    expect(short.json).toEqual({ tag: 'two', version: '2', arn: `${ARN_PREFIX}routed:2` });
    const arn = await invoke(t.lambda, `${ARN_PREFIX}routed:live`);
    expect(arn.executedVersion).toBe('1');
    expect(arn.json).toMatchObject({ tag: 'one' });
  });

  it('splits an alias with AdditionalVersionWeights 0.5 between both versions, and says which ran', async () => {
    const seen: Record<string, number> = {};
    for (let i = 0; i < 40; i++) {
      const r = await invoke(t.lambda, 'routed', {}, { Qualifier: 'canary' });
      const body = r.json as { tag: string; version: string; arn: string };
      // The header names the version whose code actually answered.
      expect(body.version).toBe(r.executedVersion);
      expect(body.tag).toBe(r.executedVersion === '1' ? 'one' : 'two');
      expect(body.arn).toBe(`${ARN_PREFIX}routed:canary`);
      seen[r.executedVersion!] = (seen[r.executedVersion!] ?? 0) + 1;
    }
    expect(Object.keys(seen).sort()).toEqual(['1', '2']);
    // 40 fair draws: each side gets at least 8 with probability > 0.9999.
    expect(Math.min(seen['1']!, seen['2']!)).toBeGreaterThanOrEqual(8);
  });
});

describe('invocation types and request errors', () => {
  it('answers DryRun with 204 and runs nothing', async () => {
    const before = (await invoke(t.lambda, 'main')).json as Count;
    const r = await invoke(t.lambda, 'main', { action: 'exit' }, { InvocationType: 'DryRun' });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect(r.functionError).toBeUndefined();
    const after = (await invoke(t.lambda, 'main')).json as Count;
    expect(after).toEqual({ count: before.count + 1, env: before.env });
  });

  it('answers Event with 202 once the async queue is wired, and refuses it in AWS shape until then', async () => {
    // InvokeService documents both: 202 when an `enqueue` is wired, otherwise
    // InvalidParameterValueException (the async queue is being built separately).
    let status: number | undefined;
    let failure: { name: string; $metadata?: { httpStatusCode?: number }; message: string } | undefined;
    try {
      status = (await invoke(t.lambda, 'main', { action: 'echo', data: 1 }, { InvocationType: 'Event' })).status;
    } catch (err) {
      failure = err as typeof failure;
    }
    if (failure) {
      expect({ name: failure.name, status: failure.$metadata?.httpStatusCode }).toEqual({ name: 'InvalidParameterValueException', status: 400 });
      expect(failure.message).toMatch(/InvocationType Event/);
    } else {
      expect(status).toBe(202);
    }
  });

  it('refuses an unknown function or qualifier with ResourceNotFoundException 404', async () => {
    await expectAwsError(invoke(t.lambda, 'nope'), 'ResourceNotFoundException', 404, `Function not found: ${ARN_PREFIX}nope`);
    await expectAwsError(invoke(t.lambda, 'main', {}, { Qualifier: 'nope' }), 'ResourceNotFoundException', 404, `Function not found: ${ARN_PREFIX}main:nope`);
    await expectAwsError(invoke(t.lambda, 'nope', {}, { InvocationType: 'DryRun' }), 'ResourceNotFoundException', 404);
  });

  it('refuses a payload that is not JSON with InvalidRequestContentException 400', async () => {
    await expectAwsError(invoke(t.lambda, 'main', 'not json {'), 'InvalidRequestContentException', 400, /^Could not parse request body into json/);
  });

  it('refuses a payload over 6 MB with RequestTooLargeException 413', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(6 * 1024 * 1024) });
    await expectAwsError(invoke(t.lambda, 'main', big), 'RequestTooLargeException', 413, 'Request must be smaller than 6291456 bytes for the InvokeFunction operation');
  });
});
