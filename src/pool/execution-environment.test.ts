import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { Semaphore } from '../core/primitives.js';
import type { Invocation } from '../core/model/invocation.js';
import type { LogEvent } from '../core/model/logs.js';
import { ProcessDriver } from '../sandbox/process-driver.js';
import { RuntimeCommandResolver } from '../sandbox/runtime-command.js';
import { HostRuntimeImages } from '../sandbox/runtimes/host-images.js';
import { EnvironmentStateError } from './environment-state.js';
import { ExecutionEnvironment, type EnvironmentDeps, type InvokableVersion } from './execution-environment.js';

// A minimal provided runtime: echoes each event after an optional pause.
const BOOTSTRAP = `#!/bin/bash
API="http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
echo "env: $AWS_LAMBDA_FUNCTION_NAME $AWS_LAMBDA_LOG_STREAM_NAME $AWS_LAMBDA_FUNCTION_MEMORY_SIZE"
while true; do
  EVENT=$(curl -sS -D "$TMPDIR/h" "$API/invocation/next")
  ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$TMPDIR/h" | tr -d '[:space:]' | cut -d: -f2)
  DEADLINE=$(grep -Fi Lambda-Runtime-Deadline-Ms "$TMPDIR/h" | tr -d '[:space:]' | cut -d: -f2)
  [ "$EVENT" = "pause" ] && sleep 0.3
  curl -sS -o /dev/null -X POST "$API/invocation/$ID/response" --data-binary "$EVENT:$DEADLINE"
done
`;

describe('ExecutionEnvironment', () => {
  let root: string;
  let deps: EnvironmentDeps;
  let version: InvokableVersion;
  let events: LogEvent[];
  const envs: ExecutionEnvironment[] = [];

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'gust-env-test-'));
    const code = join(root, 'code');
    mkdirSync(code);
    writeFileSync(join(code, 'bootstrap'), BOOTSTRAP);
    chmodSync(join(code, 'bootstrap'), 0o755);
    events = [];
    deps = {
      driver: new ProcessDriver({ tmpRoot: root }),
      commands: new RuntimeCommandResolver(new HostRuntimeImages()),
      logs: { append: (e) => events.push(...e) },
      clock: new ManualClock(Date.UTC(2026, 1, 3)),
      region: 'us-east-1',
      initTimeoutMs: 10_000,
      inits: new Semaphore(8),
      stopGraceMs: 500,
      maxResponseBytes: 1024,
    };
    version = {
      functionName: 'env-test',
      version: '7',
      description: '',
      runtime: 'provided.al2023',
      role: 'r',
      timeout: 3,
      memorySize: 192,
      ephemeralStorageMb: 512,
      environment: {},
      layers: [],
      architectures: ['x86_64'],
      packageType: 'Zip',
      codeHash: 'h',
      codeSha256: 's',
      codeSize: 1,
      lastModified: '',
      revisionId: 'r',
      state: 'Active',
      lastUpdateStatus: 'Successful',
      tracingMode: 'PassThrough',
      loggingConfig: { logFormat: 'Text', logGroup: '/aws/lambda/env-test' },
      codeDir: code,
      layerDirs: [],
    };
  });

  afterEach(async () => {
    await Promise.all(envs.splice(0).map((e) => e.stop()));
    rmSync(root, { recursive: true, force: true });
  });

  function create(): ExecutionEnvironment {
    const env = new ExecutionEnvironment(version, deps);
    envs.push(env);
    return env;
  }

  const invocation = (id: string, payload = 'hi'): Invocation => ({ requestId: id, payload: Buffer.from(payload), invokedFunctionArn: 'arn', traceId: 'Root=1-00000000-000000000000000000000000', wantTail: false });

  it('spawns only with an init permit, and counts Init Duration from its own spawn, not from the wait', async () => {
    deps.inits = new Semaphore(1);
    await deps.inits.acquire();
    const env = create();
    let started = false;
    const starting = env.start().then((r) => {
      started = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(started).toBe(false);
    expect(env.timings).toBeUndefined();
    const released = performance.now();
    deps.inits.release();
    const init = await starting;
    const sinceRelease = performance.now() - released;
    expect(init.ok).toBe(true);
    expect(env.timings!.prepareMs).toBeGreaterThanOrEqual(250);
    // Counted from the spawn, after the wait: within what followed the release, however long
    // a loaded host took to boot the runtime (compared with the wait, it once read longer).
    expect(env.timings!.initMs).toBeLessThanOrEqual(sinceRelease);
    // The permit came back once the runtime was ready.
    expect(deps.inits.tryAcquire()).toBe(true);
  });

  it('gives up waiting for an init permit when stopped', async () => {
    deps.inits = new Semaphore(0);
    const env = create();
    const starting = env.start();
    await new Promise((r) => setTimeout(r, 50));
    await env.stop();
    expect(await starting).toMatchObject({ ok: false, errorType: 'Runtime.ExitError' });
  });

  it('goes starting → ready ⇄ invoking → stopping → stopped, with its own log stream', async () => {
    const env = create();
    expect(env.state).toBe('starting');
    const init = await env.start();
    expect(init).toMatchObject({ ok: true });
    expect(env.state).toBe('ready');
    expect(env.timings!.initMs).toBeGreaterThan(0);
    expect(env.logStream.logStream).toBe(`2026/02/03/[7]${env.id}`);
    expect(events[0]!.message).toBe(`env: env-test ${env.logStream.logStream} 192`);

    const before = Date.now();
    const pending = env.execute(invocation('r1'));
    expect(env.state).toBe('invoking');
    const r = await pending;
    const [echo, deadline] = r.payload.toString().split(':');
    expect(echo).toBe('hi');
    // The runtime got a wall-clock deadline, not the injected clock's time.
    expect(Number(deadline)).toBeGreaterThanOrEqual(before + 3000);
    expect(Number(deadline)).toBeLessThan(Date.now() + 3000 + 50);
    expect(r.initDurationMs).toBeGreaterThan(0);
    expect((await env.execute(invocation('r2'))).initDurationMs).toBeUndefined();
    expect(env.state).toBe('ready');
    const pid = env.pid!;
    await env.stop();
    expect(env.state).toBe('stopped');
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('refuses an invocation before it is ready, a second one while invoking, and any after stop', async () => {
    const env = create();
    await expect(env.execute(invocation('early'))).rejects.toThrow(new EnvironmentStateError(env.id, 'starting', 'invoking'));
    await env.start();
    const first = env.execute(invocation('a', 'pause'));
    await expect(env.execute(invocation('b'))).rejects.toThrow(/is invoking; it cannot become invoking/);
    expect((await first).outcome).toBe('success');
    await env.stop();
    await expect(env.execute(invocation('late'))).rejects.toThrow(/is stopped; it cannot become invoking/);
    expect(() => env.start()).toThrow(/is stopped; it cannot start/);
    expect(() => env.start()).toThrow(EnvironmentStateError);
    expect(() => env.reportInitFailure(invocation('none'))).toThrow(new EnvironmentStateError(env.id, 'stopped', 'report an init failure'));
  });

  it('a stop during start ends the start as a failure and leaves nothing running', async () => {
    const env = create();
    const starting = env.start();
    const stopping = env.stop();
    const init = await starting;
    await stopping;
    expect(init.ok).toBe(false);
    expect(env.state).toBe('stopped');
    if (env.pid !== undefined) expect(() => process.kill(env.pid!, 0)).toThrow();
  });

  it('an idle runtime that dies fails the environment and tells its owner', async () => {
    const env = create();
    await env.start();
    const failed = new Promise<ExecutionEnvironment>((resolve) => env.onIdleFailure(resolve));
    process.kill(env.pid!, 'SIGKILL');
    expect(await failed).toBe(env);
    expect(env.state).toBe('failed');
    await expect(env.execute(invocation('x'))).rejects.toThrow(/is failed/);
  });
});
