/**
 * The pool with real runtime processes: the bash + curl `bootstrap` fixture as a
 * provided.al2023 function, speaking the real Runtime API. Keep-alive runs on a ManualClock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidRuntimeException, TooManyRequestsException } from '../../src/core/errors.js';
import { RuntimeCommandResolver } from '../../src/sandbox/runtime-command.js';
import { HostRuntimeImages } from '../../src/sandbox/runtimes/host-images.js';
import { HostInterpreters } from '../../src/sandbox/runtimes/host-interpreters.js';
import { parseReportLine } from '../../src/logs/log-format.js';
import { invoke, startTestPool, testVersion, text, type TestPool } from './pool-helpers.js';
import { alive, ourProcesses } from '../helpers/processes.js';
import { waitUntil } from '../helpers/wait.js';

describe('Pool with a provided.al2023 bash runtime', () => {
  let t: TestPool;
  beforeEach(async () => {
    t = await startTestPool();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('reuses a warm environment: the runtime keeps its state between invocations', async () => {
    const v = testVersion('warm', t.fixture('provided'));
    const first = await invoke(t.pool, v, 'hello');
    expect(first).toMatchObject({ outcome: 'success', executedVersion: '$LATEST', coldStart: true });
    expect(text(first)).toBe('echo:hello:count:1');
    expect(first.initDurationMs).toBeGreaterThan(0);
    const second = await invoke(t.pool, v, 'again');
    expect(text(second)).toBe('echo:again:count:2');
    expect(second.coldStart).toBe(false);
    expect(second.initDurationMs).toBeUndefined();
    expect(t.pool.stats().environments.ready).toBe(1);
  });

  it('N parallel invocations of a sleeping function start N environments', async () => {
    const v = testVersion('parallel', t.fixture('provided'));
    const results = await Promise.all(Array.from({ length: 4 }, () => invoke(t.pool, v, 'sleep 0.5')));
    expect(results.map(text)).toEqual(['slept', 'slept', 'slept', 'slept']);
    expect(results.every((r) => r.coldStart)).toBe(true);
    expect(t.pool.stats().environments.ready).toBe(4);
    expect(new Set(t.pool.pids('parallel')).size).toBe(4);
  });

  it('reserved concurrency K admits exactly K at once; the rest are throttled with the reserved Reason', async () => {
    const v = testVersion('reserved', t.fixture('provided'));
    t.pool.setReservedConcurrency('reserved', 2);
    const settled = await Promise.allSettled(Array.from({ length: 5 }, () => invoke(t.pool, v, 'sleep 0.5')));
    const ok = settled.filter((s) => s.status === 'fulfilled');
    const throttled = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    expect(ok.length).toBe(2);
    expect(throttled.length).toBe(3);
    for (const r of throttled) {
      expect(r.reason).toBeInstanceOf(TooManyRequestsException);
      expect((r.reason as TooManyRequestsException).fields.Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    }
    t.pool.setReservedConcurrency('reserved', 0);
    await expect(invoke(t.pool, v, 'x')).rejects.toMatchObject({ fields: { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' } });
  });

  it('the account limit throttles with ConcurrentInvocationLimitExceeded', async () => {
    const small = await startTestPool({ accountConcurrency: 1 });
    try {
      const v = testVersion('account', small.fixture('provided'));
      const settled = await Promise.allSettled([invoke(small.pool, v, 'sleep 0.3'), invoke(small.pool, v, 'x')]);
      expect(settled[0].status).toBe('fulfilled');
      expect(settled[1]).toMatchObject({ status: 'rejected', reason: { fields: { Reason: 'ConcurrentInvocationLimitExceeded' } } });
    } finally {
      await small.cleanup();
    }
  });

  it('a timeout returns Sandbox.Timedout and destroys the environment', async () => {
    const v = testVersion('timeout', t.fixture('provided'), { timeout: 1 });
    await invoke(t.pool, v, 'warm-up');
    const [pid] = t.pool.pids('timeout');
    const started = Date.now();
    const r = await invoke(t.pool, v, 'sleep 30');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r).toMatchObject({ outcome: 'error', errorType: 'Sandbox.Timedout' });
    expect(JSON.parse(text(r))).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: expect.stringMatching(/^RequestId: \S+ Error: Task timed out after 1\.00 seconds$/) });
    expect(alive(pid!)).toBe(false);
    expect(t.pool.pids('timeout')).toEqual([]);
    expect(r.logTail).toMatch(/Task timed out after 1\.00 seconds\nEND RequestId: \S+\nREPORT RequestId: [^\n]*\tStatus: timeout\n$/);
    // The next invocation gets a fresh environment.
    const next = await invoke(t.pool, v, 'after');
    expect(next.coldStart).toBe(true);
    expect(text(next)).toBe('echo:after:count:1');
  });

  it('a runtime that exits mid-invocation → Runtime.ExitError "exit status 3"', async () => {
    const v = testVersion('exit', t.fixture('provided'));
    const r = await invoke(t.pool, v, 'exit 3');
    expect(r).toMatchObject({ outcome: 'error', errorType: 'Runtime.ExitError' });
    expect(JSON.parse(text(r)).errorMessage).toMatch(/^RequestId: \S+ Error: Runtime exited with error: exit status 3$/);
    expect(r.logTail).toContain('Runtime exited with error: exit status 3\nRuntime.ExitError\nEND RequestId');
    expect(t.pool.pids('exit')).toEqual([]);
  });

  it('a runtime killed with SIGKILL → Runtime.ExitError "signal: killed"', async () => {
    const v = testVersion('kill', t.fixture('provided'));
    const r = await invoke(t.pool, v, 'kill');
    expect(r.errorType).toBe('Runtime.ExitError');
    expect(JSON.parse(text(r)).errorMessage).toMatch(/Runtime exited with error: signal: killed$/);
  });

  it("a function error is the runtime's document with its type", async () => {
    const v = testVersion('err', t.fixture('provided'));
    const r = await invoke(t.pool, v, 'error');
    expect(r).toMatchObject({ outcome: 'error', errorType: 'Fixture.Error' });
    expect(JSON.parse(text(r))).toEqual({ errorType: 'Fixture.Error', errorMessage: 'boom' });
    expect(r.logTail).toContain('failing on purpose');
    // A handled function error keeps the environment.
    expect(text(await invoke(t.pool, v, 'x'))).toBe('echo:x:count:2');
  });

  it('a response over the limit → Function.ResponseSizeTooLarge, and the environment stays usable', async () => {
    const small = await startTestPool({ maxResponseBytes: 1000 });
    try {
      const v = testVersion('big', small.fixture('provided'));
      const r = await invoke(small.pool, v, 'big 5000');
      expect(r).toMatchObject({ outcome: 'error', errorType: 'Function.ResponseSizeTooLarge' });
      expect(JSON.parse(text(r))).toEqual({ errorType: 'Function.ResponseSizeTooLarge', errorMessage: 'Response payload size exceeded maximum allowed payload size (1000 bytes).' });
      expect(text(await invoke(small.pool, v, 'big 10'))).toBe('aaaaaaaaaa');
    } finally {
      await small.cleanup();
    }
  });

  describe('init failures are reported at the first invocation', () => {
    it('the runtime exits during init → Runtime.ExitError with INIT_REPORT', async () => {
      const v = testVersion('init-exit', t.fixture('provided'), { environment: { FIXTURE_INIT: 'exit' } });
      const r = await invoke(t.pool, v, 'x');
      expect(r).toMatchObject({ outcome: 'error', errorType: 'Runtime.ExitError', coldStart: true });
      expect(JSON.parse(text(r)).errorMessage).toMatch(/Runtime exited with error: exit status 2$/);
      expect(r.logTail).toMatch(/^init failing\nINIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError\nSTART RequestId/);
      expect(t.pool.stats().environments).toMatchObject({ starting: 0, ready: 0, failed: 0 });
    });

    it('the runtime posts /runtime/init/error → its own error document', async () => {
      const v = testVersion('init-error', t.fixture('provided'), { environment: { FIXTURE_INIT: 'error' } });
      const r = await invoke(t.pool, v, 'x');
      expect(r).toMatchObject({ outcome: 'error', errorType: 'Fixture.InitError' });
      expect(JSON.parse(text(r))).toEqual({ errorType: 'Fixture.InitError', errorMessage: 'init went wrong' });
    });

    it('no bootstrap → Runtime.InvalidEntrypoint', async () => {
      const v = testVersion('no-bootstrap', t.code({ 'README': 'nothing to run' }));
      const r = await invoke(t.pool, v, 'x');
      expect(r).toMatchObject({ outcome: 'error', errorType: 'Runtime.InvalidEntrypoint' });
      expect(JSON.parse(text(r)).errorMessage).toContain("Couldn't find valid bootstrap(s)");
    });

    it('init past the limit → Sandbox.Timedout and the runtime is gone', async () => {
      const fast = await startTestPool({ initTimeoutMs: 300 });
      try {
        const v = testVersion('init-hang', fast.fixture('provided'), { environment: { FIXTURE_INIT: 'hang' } });
        const r = await invoke(fast.pool, v, 'x');
        expect(r).toMatchObject({ outcome: 'error', errorType: 'Sandbox.Timedout' });
        expect(r.logTail).toContain('Phase: init\tStatus: timeout');
        expect(fast.pool.pids()).toEqual([]);
        expect(ourProcesses().filter((p) => p.ppid === process.pid)).toEqual([]);
      } finally {
        await fast.cleanup();
      }
    });
  });

  it('an idle runtime that dies is dropped; the next invocation starts a new one', async () => {
    const v = testVersion('idle-death', t.fixture('provided'));
    await invoke(t.pool, v, 'x');
    const [pid] = t.pool.pids('idle-death');
    process.kill(pid!, 'SIGKILL');
    await waitUntil(() => t.pool.pids('idle-death').length === 0);
    const r = await invoke(t.pool, v, 'y');
    expect(r.coldStart).toBe(true);
    expect(text(r)).toBe('echo:y:count:1');
  });

  it('a runtime the host cannot provide is an InvalidRuntimeException, not a hang', async () => {
    const noPython = await startTestPool({ commands: new RuntimeCommandResolver(new HostRuntimeImages(new HostInterpreters({ pythonDirs: [] }))) });
    try {
      const v = testVersion('py', noPython.code({ 'app.py': 'def handler(e, c): return e\n' }), { runtime: 'python3.12', handler: 'app.handler' });
      await expect(invoke(noPython.pool, v, '{}')).rejects.toBeInstanceOf(InvalidRuntimeException);
      expect(noPython.pool.stats().environments).toMatchObject({ starting: 0, stopping: 0, failed: 0 });
      expect(noPython.pool.counting.stats().inFlight).toBe(0);
    } finally {
      await noPython.cleanup();
    }
  });

  it('writes START, output, END and REPORT to the log store, in order, in one stream per environment', async () => {
    const v = testVersion('logs', t.fixture('provided'), { memorySize: 256 });
    const r = await invoke(t.pool, v, 'print 3');
    await invoke(t.pool, v, 'print 1');
    const page = await t.logs.query({ logGroup: '/aws/lambda/logs' });
    const streams = new Set(page.events.map((e) => e.logStream));
    expect(streams.size).toBe(1);
    expect([...streams][0]).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    const lines = page.events.map((e) => e.message);
    const start = lines.findIndex((l) => l.startsWith('START RequestId: '));
    expect(lines.slice(start, start + 6).map((l) => l.replace(/RequestId: \S+/, 'RequestId: X'))).toEqual([
      'START RequestId: X Version: $LATEST',
      'out 1',
      'out 2',
      'out 3',
      'END RequestId: X',
      expect.stringMatching(/^REPORT RequestId: X\t/),
    ]);
    const report = parseReportLine(lines[start + 5]!)!;
    expect(report).toMatchObject({ memorySizeMb: 256, initDurationMs: expect.any(Number) });
    expect(report.maxMemoryUsedMb).toBeGreaterThan(0);
    expect(report.maxMemoryUsedMb).toBeLessThan(256);
    expect(report.billedDurationMs).toBe(Math.ceil(report.durationMs + report.initDurationMs!));
    expect(r.logTail).toContain('START RequestId: ');
    expect(r.logTail!.endsWith('\n')).toBe(true);
    const reports = lines.filter((l) => l.startsWith('REPORT')).map((l) => parseReportLine(l)!);
    expect(reports[1]!.initDurationMs).toBeUndefined();
  });

  it('lines printed right before the response land between START and END', async () => {
    const v = testVersion('ordering', t.fixture('provided'));
    for (let i = 0; i < 5; i++) {
      const r = await invoke(t.pool, v, 'print 200');
      const lines = r.logTail!.trimEnd().split('\n');
      const end = lines.findIndex((l) => l.startsWith('END RequestId'));
      expect(lines[end - 1]).toBe('out 200');
    }
  });

  it('keep-alive: an idle environment is stopped after keepAliveMs on the clock, never before', async () => {
    const v = testVersion('reap', t.fixture('provided'));
    await invoke(t.pool, v, 'x');
    const [pid] = t.pool.pids('reap');
    t.clock.advance(10 * 60 * 1000 - 1);
    expect(t.pool.stats().environments.ready).toBe(1);
    // A use resets the keep-alive.
    await invoke(t.pool, v, 'y');
    t.clock.advance(10 * 60 * 1000 - 1);
    expect(alive(pid!)).toBe(true);
    t.clock.advance(1);
    await waitUntil(() => !alive(pid!));
    await waitUntil(() => t.pool.stats().environments.stopping === 0);
    expect(t.pool.pids('reap')).toEqual([]);
    expect(t.pool.stats().environments).toMatchObject({ ready: 0, stopping: 0 });
  });

  it('drain: in-flight invocations finish, new ones go to new environments, old ones stop', async () => {
    const v = testVersion('drain', t.fixture('provided'));
    await invoke(t.pool, v, 'warm');
    const [oldPid] = t.pool.pids('drain');
    const inFlight = Array.from({ length: 3 }, () => invoke(t.pool, v, 'sleep 0.5'));
    await waitUntil(() => t.pool.stats().environments.invoking + t.pool.stats().environments.starting === 3);
    const drained = t.pool.drainFunction('drain');
    const updated = { ...v, revisionId: 'rev-2' };
    const fresh = await invoke(t.pool, updated, 'new');
    expect(fresh.coldStart).toBe(true);
    expect(text(fresh)).toBe('echo:new:count:1');
    const results = await Promise.all(inFlight);
    expect(results.map(text)).toEqual(['slept', 'slept', 'slept']);
    await drained;
    expect(alive(oldPid!)).toBe(false);
    expect(t.pool.pids('drain').length).toBe(1);
  });

  it('a changed revision drains the old environments by itself', async () => {
    const v = testVersion('revision', t.fixture('provided'));
    await invoke(t.pool, v, 'x');
    const [oldPid] = t.pool.pids('revision');
    const r = await invoke(t.pool, { ...v, revisionId: 'rev-2', environment: { A: '1' } }, 'y');
    expect(r.coldStart).toBe(true);
    await waitUntil(() => !alive(oldPid!));
  });

  it('stopAll stops even busy environments and leaves no process behind', async () => {
    const a = testVersion('stop-a', t.fixture('provided'));
    const b = testVersion('stop-b', t.fixture('provided'));
    const busy = invoke(t.pool, a, 'sleep 30');
    await Promise.all([invoke(t.pool, b, 'x'), invoke(t.pool, b, 'sleep 0.2')]);
    await waitUntil(() => t.pool.stats().environments.invoking === 1);
    const leaders = t.pool.pids();
    expect(leaders.length).toBe(3);
    await t.pool.stopAll();
    const r = await busy;
    expect(r.errorType).toBe('Runtime.ExitError');
    // The busy runtime's `sleep` got its group's SIGKILL with it; on a loaded machine it may
    // be scheduled to die a moment after the leader's exit was seen.
    await waitUntil(() => ourProcesses(leaders).length === 0, 2_000).catch(() => undefined);
    expect(ourProcesses(leaders)).toEqual([]);
    await expect(invoke(t.pool, b, 'x')).rejects.toThrow(/shutting down/);
  });
});
