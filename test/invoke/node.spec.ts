/**
 * Synchronous Invoke of Node.js functions through the real SDK against a real server: the
 * cases every runtime passes (runtime-cases.ts: results, error documents, init failures,
 * timeouts, crashes, oversized responses, the context object, warm reuse), and Node's own:
 * the client context, the cold start after the keep-alive, qualifier and alias routing,
 * and the Invoke API's own errors.
 *
 * One function (`main`) serves most tests through an `action` in the event, so that they
 * share one warm environment instead of paying a cold start each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateAliasCommand, PublishVersionCommand, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { ARN_PREFIX, createFunction, expectAwsError, invoke, waitActive } from '../helpers/lambda.js';
import { reportOf } from '../helpers/invoke.js';
import { makeZip } from '../helpers/zips.js';
import { waitFor } from '../helpers/wait.js';
import { environmentGone } from '../helpers/processes.js';
import { runtimeCases, type Count, type RuntimeUnderTest } from './runtime-cases.js';

const HANDLER = `
let count = 0;
exports.handler = async (event, context) => {
  count++;
  switch (event.action) {
    case 'echo':
      return event.data;
    case 'fail':
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

const NODE: RuntimeUnderTest = {
  function: { Runtime: 'nodejs20.x', Handler: 'index.handler' },
  files: { 'index.js': HANDLER },
  expectErrorDocument(r) {
    // AWS's Node.js runtime names the stack `trace` (Python's says `stackTrace`).
    expect(r.json).toEqual({ errorType: 'TypeError', errorMessage: 'boom: because', trace: expect.any(Array) });
    const trace = (r.json as { trace: string[] }).trace;
    expect(trace[0]).toBe('TypeError: boom: because');
    expect(trace.some((l) => l.includes('index.js'))).toBe(true);
  },
  importError: {
    files: { 'index.js': "require('no-such-package');\nexports.handler = async () => 1;\n" },
    message: /^Error: Cannot find module 'no-such-package'/,
  },
  handlerNotFound: { handler: 'index.nope', message: 'index.nope is undefined or not exported' },
  exitStatus: 3,
};

let t: TestGust;

beforeAll(async () => {
  t = await startTestGust();
  await createFunction(t.lambda, 'main', { ...NODE.function, files: NODE.files });
});

afterAll(async () => {
  await t?.stop();
});

describe('the runtime cases', () => {
  runtimeCases(NODE, () => t);
});

describe('results, load failures and the client context', () => {
  it('answers an empty payload as the event {}', async () => {
    const r = await invoke(t.lambda, 'main', Buffer.alloc(0));
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ count: expect.any(Number) });
  });

  it('reports a handler module that does not exist as Runtime.ImportModuleError', async () => {
    await createFunction(t.lambda, 'no-module', { Handler: 'missing.handler', files: { 'index.js': HANDLER } });
    const missing = await invoke(t.lambda, 'no-module');
    expect(missing.json).toMatchObject({ errorType: 'Runtime.ImportModuleError', errorMessage: expect.stringMatching(/^Error: Cannot find module 'missing'/) });
  });

  it('reports an ES module handler whose import of a package fails as Runtime.ImportModuleError, as CommonJS', async () => {
    const esm = "import missing from 'no-such-package';\nexport const handler = async () => missing;\n";
    const cjs = "const missing = require('no-such-package');\nexports.handler = async () => missing;\n";
    await createFunction(t.lambda, 'esm-missing', { files: { 'index.mjs': esm } });
    await createFunction(t.lambda, 'esm-type-module', { files: { 'index.js': esm, 'package.json': '{"type":"module"}' } });
    await createFunction(t.lambda, 'cjs-missing', { files: { 'index.js': cjs } });
    const mjs = await invoke(t.lambda, 'esm-missing');
    expect(mjs.functionError).toBe('Unhandled');
    expect(mjs.json).toMatchObject({ errorType: 'Runtime.ImportModuleError', errorMessage: "Error: Cannot find package 'no-such-package' imported from /var/task/index.mjs" });
    const typeModule = await invoke(t.lambda, 'esm-type-module');
    expect(typeModule.json).toMatchObject({ errorType: 'Runtime.ImportModuleError', errorMessage: "Error: Cannot find package 'no-such-package' imported from /var/task/index.js" });
    const required = await invoke(t.lambda, 'cjs-missing');
    expect(required.json).toMatchObject({ errorType: 'Runtime.ImportModuleError', errorMessage: expect.stringMatching(/^Error: Cannot find module 'no-such-package'\nRequire stack:\n- \/var\/task\/index\.js/) });
  });

  it('hands the SDK ClientContext to the handler as context.clientContext', async () => {
    const clientContext = { custom: { tenant: 'acme', n: 7 }, env: { locale: 'en_GB' }, client: { app_title: 'demo' } };
    const r = await invoke(t.lambda, 'main', { action: 'context' }, { ClientContext: Buffer.from(JSON.stringify(clientContext)).toString('base64') });
    expect((r.json as { clientContext: unknown }).clientContext).toEqual(clientContext);
  });

  it('hands over a ClientContext written with line breaks and text beyond Latin-1, as the caller meant it', async () => {
    const clientContext = { custom: { greeting: 'こんにちは, Zoë 👋', note: 'tab\there' }, env: { locale: 'ja_JP' } };
    const text = JSON.stringify(clientContext, null, 2);
    expect(text).toContain('\n');
    const r = await invoke(t.lambda, 'main', { action: 'context' }, { ClientContext: Buffer.from(text).toString('base64') });
    expect(r.functionError).toBeUndefined();
    expect((r.json as { clientContext: unknown }).clientContext).toEqual(clientContext);
  });

  it('refuses a ClientContext that is not base64 of a JSON object', async () => {
    for (const bad of ['not base64!', Buffer.from('not json').toString('base64'), Buffer.from('[1]').toString('base64')]) {
      await expectAwsError(invoke(t.lambda, 'main', {}, { ClientContext: bad }), 'InvalidRequestContentException', 400, 'Client context must be a valid Base64-encoded JSON object.');
    }
  });
});

describe('the keep-alive', () => {
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
