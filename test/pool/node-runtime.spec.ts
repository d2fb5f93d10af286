/**
 * The pool with Gust's real Node.js runtime (runtimes/node/bootstrap.mjs): handler state,
 * console output inside the invocation, crashes, init errors, a clean environment and layers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTraceId } from '../../src/core/ids.js';
import { parseReportLine } from '../../src/logs/log-format.js';
import { invoke, startTestPool, testVersion, text, type TestPool } from './pool-helpers.js';
import { alive, ourProcesses } from '../helpers/processes.js';

const HANDLERS = {
  'index.js': `
let count = 0;
exports.handler = async (event, context) => {
  count++;
  switch (event.action) {
    case 'count': return { count };
    case 'log': for (let i = 1; i <= event.lines; i++) console.log('line ' + i); return 'logged';
    case 'exit': process.exit(event.code);
    case 'kill': process.kill(process.pid, 'SIGKILL'); return new Promise(() => {});
    // A pending timer keeps the event loop busy; without it the runtime answers Runtime.NodeJsExit.
    case 'hang': setInterval(() => {}, 1000); return new Promise(() => {});
    case 'throw': throw new TypeError('bad input');
    case 'env': return { env: process.env, cwd: process.cwd(), tmp: require('os').tmpdir() };
    case 'layer': return require('greet')('gust');
    case 'context': return { clientContext: context.clientContext, arn: context.invokedFunctionArn, remaining: context.getRemainingTimeInMillis(), group: context.logGroupName };
    case 'alloc': { const b = Buffer.alloc(event.mb * 1024 * 1024, 1); return b.length; }
    default: return event;
  }
};
`,
};

describe('Pool with the Node.js runtime', () => {
  let t: TestPool;
  let code: string;
  beforeAll(async () => {
    t = await startTestPool();
    code = t.code(HANDLERS);
  });
  afterAll(async () => {
    await t.cleanup();
  });

  const node = (name: string, over: Parameters<typeof testVersion>[2] = {}) => testVersion(name, code, { runtime: 'nodejs20.x', handler: 'index.handler', ...over });
  const call = (v: ReturnType<typeof node>, event: unknown) => invoke(t.pool, v, JSON.stringify(event));

  it('keeps module state warm: a module-level counter grows', async () => {
    const v = node('counter');
    const a = await call(v, { action: 'count' });
    const b = await call(v, { action: 'count' });
    expect(JSON.parse(text(a))).toEqual({ count: 1 });
    expect(JSON.parse(text(b))).toEqual({ count: 2 });
    expect([a.coldStart, b.coldStart]).toEqual([true, false]);
  });

  it("console output printed before the handler returns lands between START and END, in Lambda's format", async () => {
    const v = node('logging');
    for (let round = 0; round < 5; round++) {
      const r = await call(v, { action: 'log', lines: 50 });
      const lines = r.logTail!.trimEnd().split('\n');
      const start = lines.findIndex((l) => l.startsWith('START RequestId'));
      const end = lines.findIndex((l) => l.startsWith('END RequestId'));
      const logged = lines.slice(start + 1, end);
      expect(logged.length).toBe(50);
      expect(logged[49]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z\t[0-9a-f-]{36}\tINFO\tline 50$/);
    }
  });

  it('REPORT carries a plausible Max Memory Used and Init Duration on the cold start only', async () => {
    const v = node('report', { memorySize: 512 });
    await call(v, { action: 'count' });
    const big = await call(v, { action: 'alloc', mb: 120 });
    const page = await t.logs.query({ logGroup: '/aws/lambda/report' });
    const reports = page.events.map((e) => parseReportLine(e.message)).filter((r) => r !== undefined);
    expect(reports.length).toBe(2);
    const [cold, warm] = reports;
    expect(cold!.initDurationMs).toBeGreaterThan(10);
    expect(cold!.maxMemoryUsedMb).toBeGreaterThan(10);
    expect(cold!.maxMemoryUsedMb).toBeLessThan(200);
    expect(warm!.initDurationMs).toBeUndefined();
    expect(warm!.maxMemoryUsedMb).toBeGreaterThan(120);
    expect(big.maxMemoryUsedMb).toBe(warm!.maxMemoryUsedMb);
    expect(warm!.memorySizeMb).toBe(512);
  });

  it('a thrown error is the runtime\'s error document, and the environment lives on', async () => {
    const v = node('thrower');
    const r = await call(v, { action: 'throw' });
    expect(r).toMatchObject({ outcome: 'error', errorType: 'TypeError' });
    expect(JSON.parse(text(r))).toMatchObject({ errorType: 'TypeError', errorMessage: 'bad input' });
    expect((await call(v, { action: 'count' })).coldStart).toBe(false);
  });

  it('process.exit(3) → Runtime.ExitError "exit status 3"', async () => {
    const v = node('exit3');
    const r = await call(v, { action: 'exit', code: 3 });
    expect(r.errorType).toBe('Runtime.ExitError');
    expect(JSON.parse(text(r)).errorMessage).toMatch(/^RequestId: \S+ Error: Runtime exited with error: exit status 3$/);
    expect(t.pool.pids('exit3')).toEqual([]);
  });

  it('kill -9 → Runtime.ExitError "signal: killed"', async () => {
    const v = node('kill9');
    const r = await call(v, { action: 'kill' });
    expect(r.errorType).toBe('Runtime.ExitError');
    expect(JSON.parse(text(r)).errorMessage).toMatch(/Runtime exited with error: signal: killed$/);
  });

  it('a timeout → Sandbox.Timedout "Task timed out after 1.00 seconds", and the process is gone', async () => {
    const v = node('hang', { timeout: 1 });
    await call(v, { action: 'count' });
    const [pid] = t.pool.pids('hang');
    const r = await call(v, { action: 'hang' });
    expect(r.errorType).toBe('Sandbox.Timedout');
    expect(JSON.parse(text(r)).errorMessage).toMatch(/Task timed out after 1\.00 seconds$/);
    expect(alive(pid!)).toBe(false);
  });

  it('an init error is reported at the first invocation with the runtime\'s error type', async () => {
    const broken = t.code({ 'index.js': "throw new Error('cannot start');\n" });
    const missing = t.code({ 'other.js': '' });
    const r = await invoke(t.pool, testVersion('init-throws', broken, { runtime: 'nodejs20.x' }), '{}');
    expect(r).toMatchObject({ outcome: 'error', coldStart: true });
    expect(JSON.parse(text(r))).toMatchObject({ errorMessage: 'cannot start' });
    expect(r.logTail).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error\tError Type: \S+\nSTART RequestId/);
    const m = await invoke(t.pool, testVersion('init-missing', missing, { runtime: 'nodejs20.x' }), '{}');
    expect(m.errorType).toBe('Runtime.ImportModuleError');
    expect(t.pool.pids('init-throws')).toEqual([]);
  });

  it('hands the context over: ClientContext, the ARN, the remaining time', async () => {
    const v = node('ctx', { timeout: 5 });
    const r = await t.pool.run(v, {
      requestId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      payload: Buffer.from(JSON.stringify({ action: 'context' })),
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:ctx:live',
      clientContext: JSON.stringify({ custom: { a: 1 } }),
      traceId: newTraceId(Date.now()),
      wantTail: false,
    });
    const got = JSON.parse(text(r));
    expect(got).toMatchObject({ clientContext: { custom: { a: 1 } }, arn: 'arn:aws:lambda:us-east-1:000000000000:function:ctx:live', group: '/aws/lambda/ctx' });
    expect(got.remaining).toBeGreaterThan(3000);
    expect(got.remaining).toBeLessThanOrEqual(5000);
  });

  it("gives the runtime Lambda's variables and nothing of the host; cwd is the code, TMPDIR private", async () => {
    const v = node('environment', { environment: { MY_SETTING: 'on' } });
    const r = JSON.parse(text(await call(v, { action: 'env' }))) as { env: Record<string, string>; cwd: string; tmp: string };
    expect(r.cwd).toBe(code);
    expect(r.tmp.startsWith(t.root)).toBe(true);
    expect(r.env).toMatchObject({
      AWS_LAMBDA_FUNCTION_NAME: 'environment',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/environment',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
      AWS_REGION: 'us-east-1',
      LAMBDA_TASK_ROOT: code,
      _HANDLER: 'index.handler',
      TZ: ':UTC',
      MY_SETTING: 'on',
    });
    expect(r.env.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(r.env.AWS_LAMBDA_RUNTIME_API).toMatch(/^127\.0\.0\.1:\d+$/);
    // The runtime sets the invocation's trace id, as Lambda's runtimes do.
    expect(r.env._X_AMZN_TRACE_ID).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
    // And Gust's bootstrap the same trace as W3C's environment carrier, for OpenTelemetry SDKs inside.
    const root = /^Root=1-([0-9a-f]{8})-([0-9a-f]{24});Parent=([0-9a-f]{16});Sampled=0$/.exec(r.env._X_AMZN_TRACE_ID!)!;
    expect(r.env.TRACEPARENT).toBe(`00-${root[1]}${root[2]}-${root[3]}-00`);
    const allowed = /^(AWS_|LAMBDA_|_HANDLER$|_X_AMZN_TRACE_ID$|TRACEPARENT$|TZ$|LANG$|PATH$|LD_LIBRARY_PATH$|NODE_PATH$|TMPDIR$|MY_SETTING$)/;
    expect(Object.keys(r.env).filter((k) => !allowed.test(k))).toEqual([]);
  });

  it('makes a layer\'s nodejs/node_modules resolvable, as /opt/nodejs/node_modules on Lambda', async () => {
    const layer = join(t.root, 'layer-greet');
    mkdirSync(join(layer, 'nodejs', 'node_modules', 'greet'), { recursive: true });
    writeFileSync(join(layer, 'nodejs', 'node_modules', 'greet', 'index.js'), "module.exports = (n) => 'hello ' + n;\n");
    const r = await call(node('layered', { layerDirs: [layer] }), { action: 'layer' });
    expect(JSON.parse(text(r))).toBe('hello gust');
  });

  it('stopAll leaves no process of ours behind', async () => {
    const v = node('busy', { timeout: 30 });
    const busy = call(v, { action: 'hang' });
    await new Promise((r) => setTimeout(r, 200));
    const leaders = t.pool.pids();
    expect(leaders.length).toBeGreaterThan(0);
    await t.pool.stopAll();
    expect((await busy).errorType).toBe('Runtime.ExitError');
    expect(ourProcesses(leaders)).toEqual([]);
  });
});
