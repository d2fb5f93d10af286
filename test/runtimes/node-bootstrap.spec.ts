/**
 * Gust's Node.js bootstrap, spawned for real against a real RuntimeEndpoint: handler styles
 * and module formats, errors in AWS's shapes, the context, the log format, warm reuse and exits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InitError } from '../../src/runtime-api/runtime-endpoint.js';
import { NODE_RUNTIME, body, startRuntime, stopAll, until } from './runtime-harness.js';

afterEach(stopAll);

const start = (handler: string, files: Record<string, string>, env?: Record<string, string>) => startRuntime(NODE_RUNTIME, { handler, files, ...(env ? { env } : {}) });

const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';

describe('node bootstrap: handler styles and module formats', () => {
  it.each([
    ['async CommonJS', 'index.handler', { 'index.js': 'exports.handler = async (event) => ({ got: event, style: "async" });' }],
    ['promise-returning', 'index.handler', { 'index.js': 'exports.handler = (event) => new Promise((r) => setTimeout(() => r({ got: event, style: "promise" }), 10));' }],
    ['callback', 'index.handler', { 'index.js': 'exports.handler = (event, context, callback) => { callback(null, { got: event, style: "callback" }); };' }],
    ['context.succeed', 'index.handler', { 'index.js': 'exports.handler = (event, context) => { context.succeed({ got: event, style: "succeed" }); };' }],
    ['.mjs ES module', 'app.handler', { 'app.mjs': 'export const handler = async (event) => ({ got: event, style: "mjs" });' }],
    ['.js under "type": "module"', 'app.handler', { 'package.json': '{"type":"module"}', 'app.js': 'export async function handler(event) { return { got: event, style: "esm-js" }; }' }],
    ['.cjs', 'app.handler', { 'app.cjs': 'module.exports.handler = async (event) => ({ got: event, style: "cjs" });' }],
    ['a file in a directory', 'src/fns/app.handler', { 'src/fns/app.js': 'exports.handler = async (event) => ({ got: event, style: "dir" });' }],
    ['a nested export', 'index.api.v1.handler', { 'index.js': 'exports.api = { v1: { handler: async (event) => ({ got: event, style: "nested" }) } };' }],
  ])('runs a %s handler', async (_name, handler, files) => {
    const rt = await start(handler, files);
    const outcome = await rt.invoke({ n: 1 });
    expect(outcome.outcome).toBe('success');
    expect(body(outcome)).toMatchObject({ got: { n: 1 } });
  });

  it('answers null for a handler that returns nothing, and undefined results as null', async () => {
    const rt = await start('index.handler', { 'index.js': 'exports.handler = async () => undefined;' });
    const outcome = await rt.invoke({});
    expect(outcome.outcome === 'success' && outcome.payload.toString()).toBe('null');
  });

  it('waits for an empty event loop after a callback, unless told not to', async () => {
    const rt = await start('index.handler', {
      'index.js': `let timerFired = false;
      exports.handler = (event, context, callback) => {
        if (event.check) {
          context.callbackWaitsForEmptyEventLoop = false;
          return callback(null, timerFired);
        }
        context.callbackWaitsForEmptyEventLoop = event.wait;
        timerFired = false;
        setTimeout(() => { timerFired = true; }, event.ms);
        callback(null, 'answered');
      };`,
    });
    // Waiting: the result goes out only after the handler's timer has run.
    expect(body(await rt.invoke({ wait: true, ms: 100 }))).toBe('answered');
    expect(body(await rt.invoke({ check: true }))).toBe(true);
    // Not waiting: the result goes out at once, the timer still pending.
    expect(body(await rt.invoke({ wait: false, ms: 2000 }))).toBe('answered');
    expect(body(await rt.invoke({ check: true }))).toBe(false);
  });

  it('keeps module state between invocations of a warm runtime', async () => {
    const rt = await start('index.handler', { 'index.js': 'let count = 0; exports.handler = async () => ++count;' });
    expect(body(await rt.invoke({}))).toBe(1);
    expect(body(await rt.invoke({}))).toBe(2);
    expect(body(await rt.invoke({}))).toBe(3);
  });
});

describe('node bootstrap: errors', () => {
  it('posts a thrown error as {errorType, errorMessage, trace}', async () => {
    const rt = await start('index.handler', {
      'index.js': 'class PaymentDeclined extends Error { constructor(m) { super(m); this.name = "PaymentDeclined"; } }\nexports.handler = async () => { throw new PaymentDeclined("card refused"); };',
    });
    const outcome = await rt.invoke({});
    expect(outcome).toMatchObject({ outcome: 'error', errorType: 'PaymentDeclined' });
    const doc = body(outcome) as { errorType: string; errorMessage: string; trace: string[] };
    expect(doc.errorType).toBe('PaymentDeclined');
    expect(doc.errorMessage).toBe('card refused');
    expect(doc.trace[0]).toBe('PaymentDeclined: card refused');
    expect(doc.trace[1]).toContain('index.js');
    // The log has the "Invoke Error" record, on one line.
    await until(() => rt.stdout().some((l) => l.includes('Invoke Error')));
    const line = rt.stdout().find((l) => l.includes('Invoke Error'))!;
    expect(line).toMatch(new RegExp(`^${ISO}\\t${outcome.requestId}\\tERROR\\tInvoke Error \\t\\{"errorType":"PaymentDeclined","errorMessage":"card refused"`));
  });

  it('posts callback errors and synchronous throws, and the runtime carries on', async () => {
    const rt = await start('index.handler', {
      'index.js': 'exports.handler = (event, context, callback) => { if (event.sync) throw new TypeError("sync"); callback(new RangeError("cb")); };',
    });
    expect(await rt.invoke({ sync: true })).toMatchObject({ outcome: 'error', errorType: 'TypeError' });
    expect(await rt.invoke({})).toMatchObject({ outcome: 'error', errorType: 'RangeError' });
    expect(body(await rt.invoke({ sync: true }))).toMatchObject({ errorMessage: 'sync' });
  });

  it('reports a missing module as Runtime.ImportModuleError at init and exits', async () => {
    const rt = await start('missing.handler', { 'index.js': 'exports.handler = async () => 1;' });
    const err = await rt.endpoint.ready().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InitError);
    expect((err as InitError).errorType).toBe('Runtime.ImportModuleError');
    const doc = JSON.parse((err as InitError).payload.toString()) as { errorMessage: string; trace: string[] };
    expect(doc.errorMessage).toMatch(/^Error: Cannot find module 'missing'\nRequire stack:\n- /);
    expect(doc.trace[0]).toBe("Runtime.ImportModuleError: Error: Cannot find module 'missing'");
    expect((await rt.exited).code).toBe(129);
    expect(rt.stdout().join('\n')).toMatch(new RegExp(`^${ISO}\\tundefined\\tERROR\\tUncaught Exception \\t\\{"errorType":"Runtime.ImportModuleError"`, 'm'));
  });

  it('reports a missing export as Runtime.HandlerNotFound', async () => {
    const rt = await start('index.handler', { 'index.js': 'exports.other = async () => 1;' });
    const err = (await rt.endpoint.ready().catch((e: unknown) => e)) as InitError;
    expect(err.errorType).toBe('Runtime.HandlerNotFound');
    expect(JSON.parse(err.payload.toString())).toMatchObject({ errorMessage: 'index.handler is undefined or not exported' });
  });

  it('reports a syntax error as Runtime.UserCodeSyntaxError, for CommonJS and ES modules', async () => {
    for (const files of [{ 'index.js': 'exports.handler = async () => {;' }, { 'index.mjs': 'export const handler = async () => {;' }] as Record<string, string>[]) {
      const rt = await start('index.handler', files);
      const err = (await rt.endpoint.ready().catch((e: unknown) => e)) as InitError;
      expect(err.errorType).toBe('Runtime.UserCodeSyntaxError');
      expect(JSON.parse(err.payload.toString())).toMatchObject({ errorMessage: expect.stringMatching(/^SyntaxError: /) });
      await rt.stop();
    }
  });

  it('reports an exception thrown at module load as an init error', async () => {
    const rt = await start('index.handler', { 'index.js': 'throw new Error("no config");' });
    const err = (await rt.endpoint.ready().catch((e: unknown) => e)) as InitError;
    expect(err.errorType).toBe('Error');
    expect(JSON.parse(err.payload.toString())).toMatchObject({ errorMessage: 'no config' });
  });

  it('posts an unhandled rejection as the invocation error and exits', async () => {
    const rt = await start('index.handler', { 'index.js': 'exports.handler = (event, context, callback) => { Promise.reject(new Error("forgotten")); };' });
    const outcome = await rt.invoke({});
    expect(outcome).toMatchObject({ outcome: 'error', errorType: 'Runtime.UnhandledPromiseRejection' });
    expect(body(outcome)).toMatchObject({ errorMessage: 'Error: forgotten' });
    expect((await rt.exited).code).toBe(128);
  });

  it('lets process.exit end the process mid-invocation', async () => {
    const rt = await start('index.handler', { 'index.js': 'exports.handler = async () => { process.exit(3); };' });
    await rt.endpoint.ready();
    const outcome = rt.invoke({});
    outcome.catch(() => undefined);
    expect(await rt.exited).toEqual({ code: 3, signal: null });
  });

  it('reports Runtime.NodeJsExit for an async handler whose promise never settles', async () => {
    const rt = await start('index.handler', { 'index.js': 'exports.handler = async () => new Promise(() => {});' });
    expect(await rt.invoke({})).toMatchObject({ outcome: 'error', errorType: 'Runtime.NodeJsExit' });
  });
});

describe('node bootstrap: context and logs', () => {
  it('gives the handler the full context', async () => {
    const rt = await startRuntime(NODE_RUNTIME, {
      handler: 'index.handler',
      // Lambda sends a caller's Cognito identity; Gust has none to send.
      nextHeaders: { 'Lambda-Runtime-Cognito-Identity': '{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"}' },
      files: {
        'index.js': `exports.handler = async (event, context) => ({
          awsRequestId: context.awsRequestId,
          functionName: context.functionName,
          functionVersion: context.functionVersion,
          invokedFunctionArn: context.invokedFunctionArn,
          memoryLimitInMB: context.memoryLimitInMB,
          logGroupName: context.logGroupName,
          logStreamName: context.logStreamName,
          clientContext: context.clientContext,
          identity: context.identity,
          remaining: context.getRemainingTimeInMillis(),
          waits: context.callbackWaitsForEmptyEventLoop,
          legacy: [typeof context.done, typeof context.succeed, typeof context.fail],
          trace: process.env._X_AMZN_TRACE_ID,
          traceparent: process.env.TRACEPARENT,
        });`,
      },
    });
    const outcome = await rt.invoke(
      {},
      { deadlineMs: Date.now() + 5000, clientContext: '{"custom":{"tenant":"a"},"env":{"locale":"en"}}', traceId: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1' },
    );
    const ctx = body(outcome) as Record<string, unknown>;
    expect(ctx).toMatchObject({
      awsRequestId: outcome.requestId,
      functionName: 'fixture-fn',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fixture-fn',
      memoryLimitInMB: '128',
      logGroupName: '/aws/lambda/fixture-fn',
      logStreamName: '2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
      clientContext: { custom: { tenant: 'a' }, env: { locale: 'en' } },
      identity: { cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' },
      waits: true,
      legacy: ['function', 'function', 'function'],
      trace: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
      // OpenTelemetry's environment carrier, from the same header.
      traceparent: '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01',
    });
    expect(ctx.remaining).toBeGreaterThan(1000);
    expect(ctx.remaining).toBeLessThanOrEqual(5000);
  });

  it('writes console output as Lambda text records, one line each', async () => {
    const rt = await start('index.handler', {
      'index.js': `console.log('loading');
      exports.handler = async () => {
        console.log('hello %s', 'world', 42);
        console.info({ a: 1 });
        console.warn('careful');
        console.error('broken\\nacross lines');
        console.debug('details');
        console.trace('tracing');
        return 'ok';
      };`,
    });
    const { requestId } = await rt.invoke({});
    await until(() => rt.stdout().length >= 7);
    const lines = rt.stdout();
    const record = (level: string, message: string, id = requestId) => new RegExp(`^${ISO}\\t${id}\\t${level}\\t${message.replace(/[{}]/g, '\\$&')}$`);
    expect(lines[0]).toMatch(record('INFO', 'loading', 'undefined'));
    expect(lines[1]).toMatch(record('INFO', 'hello world 42'));
    expect(lines[2]).toMatch(record('INFO', '{ a: 1 }'));
    expect(lines[3]).toMatch(record('WARN', 'careful'));
    expect(lines[4]).toMatch(record('ERROR', 'broken\racross lines'));
    expect(lines[5]).toMatch(record('DEBUG', 'details'));
    expect(lines[6]).toMatch(record('TRACE', 'tracing'));
    expect(lines).toHaveLength(7);
  });

  it('writes JSON records when AWS_LAMBDA_LOG_FORMAT is JSON, filtered by AWS_LAMBDA_LOG_LEVEL', async () => {
    const rt = await start('index.handler', { 'index.js': 'exports.handler = async () => { console.debug("hidden"); console.info("shown", 1); return 1; };' }, { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'INFO' });
    const { requestId } = await rt.invoke({});
    await until(() => rt.stdout().length >= 1);
    expect(rt.stdout()).toHaveLength(1);
    expect(JSON.parse(rt.stdout()[0]!)).toMatchObject({ level: 'INFO', requestId, message: 'shown 1' });
  });
});

describe('node bootstrap: start-up', () => {
  it('reaches its first /next quickly (reported)', async () => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const rt = await start('index.handler', { 'index.js': 'exports.handler = async () => 1;' });
      times.push(await rt.readyMs);
      await rt.stop();
    }
    times.sort((a, b) => a - b);
    console.log(`node bootstrap: spawn → first /next: median ${times[2]!.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times[4]!.toFixed(1)})`);
    expect(times[2]).toBeLessThan(2000);
  });
});
