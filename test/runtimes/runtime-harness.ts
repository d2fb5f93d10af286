/**
 * Runs one of Gust's runtime bootstraps for real: handler files written into a temporary
 * task root, a real RuntimeEndpoint, the runtime spawned by absolute path with a clean
 * environment holding only Lambda's variables (the host's NODE_OPTIONS, NODE_EXTRA_CA_CERTS,
 * PYTHONPATH… must not leak in: they change behaviour and start-up time).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newTraceId } from '../../src/core/ids.js';
import type { FunctionAnswer, Invocation } from '../../src/core/model/invocation.js';
import { RuntimeEndpoint } from '../../src/runtime-api/runtime-endpoint.js';

const RUNTIMES = fileURLToPath(new URL('../../runtimes/', import.meta.url));

export interface RuntimeSpec {
  /** Absolute interpreter path and the bootstrap it runs. */
  command: string;
  args: string[];
}

export const NODE_RUNTIME: RuntimeSpec = { command: process.execPath, args: [join(RUNTIMES, 'node', 'bootstrap.mjs')] };

/** /usr/bin/python3 when there is one, else the first python3 on PATH (resolved to an absolute path). */
export function pythonRuntime(): RuntimeSpec | undefined {
  const candidates = ['/usr/bin/python3', ...(process.env.PATH ?? '').split(':').filter(Boolean).map((d) => join(d, 'python3'))];
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return { command: c, args: [join(RUNTIMES, 'python', 'bootstrap.py')] };
    } catch {
      // next
    }
  }
  return undefined;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartedRuntime {
  endpoint: RuntimeEndpoint;
  child: ChildProcess;
  taskRoot: string;
  /** ms from spawn to the first GET /next (or to the init error). */
  readyMs: Promise<number>;
  exited: Promise<Exit>;
  /** Everything written to stdout so far, split in lines. */
  stdout(): string[];
  stderr(): string;
  /** One invocation; `deadlineMs` defaults to 10 s from now. */
  invoke(payload: unknown, over?: Partial<Invocation> & { deadlineMs?: number }): Promise<FunctionAnswer & { requestId: string }>;
  stop(): Promise<void>;
}

export interface StartOptions {
  handler: string;
  files: Record<string, string>;
  env?: Record<string, string>;
  /**
   * Headers that Lambda can add to a /next answer and Gust never sends (a Cognito identity):
   * a proxy between the runtime and the endpoint adds them, so the bootstraps' handling of
   * them stays tested.
   */
  nextHeaders?: Record<string, string>;
}

const started = new Set<StartedRuntime>();

/** Stops every runtime the test started (call from afterEach). */
export async function stopAll(): Promise<void> {
  await Promise.all([...started].map((r) => r.stop()));
}

export async function startRuntime(spec: RuntimeSpec, options: StartOptions): Promise<StartedRuntime> {
  const taskRoot = mkdtempSync(join(tmpdir(), 'gust-task-'));
  for (const [name, text] of Object.entries(options.files)) {
    mkdirSync(dirname(join(taskRoot, name)), { recursive: true });
    writeFileSync(join(taskRoot, name), text);
  }
  const endpoint = await RuntimeEndpoint.listen();
  const proxy = options.nextHeaders ? await nextHeaderProxy(endpoint.address, options.nextHeaders) : undefined;
  const env = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_LAMBDA_RUNTIME_API: proxy?.address ?? endpoint.address,
    _HANDLER: options.handler,
    LAMBDA_TASK_ROOT: taskRoot,
    AWS_LAMBDA_FUNCTION_NAME: 'fixture-fn',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/fixture-fn',
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
    AWS_REGION: 'us-east-1',
    ...options.env,
  };
  const t0 = performance.now();
  const child = spawn(spec.command, spec.args, { env, cwd: taskRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const readyMs = endpoint.ready().then(
    () => performance.now() - t0,
    () => performance.now() - t0,
  );
  const runtime: StartedRuntime = {
    endpoint,
    child,
    taskRoot,
    readyMs,
    exited,
    stdout: () => out.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1),
    stderr: () => err,
    async invoke(payload, over = {}) {
      const { deadlineMs = Date.now() + 10_000, ...fields } = over;
      const invocation: Invocation = {
        requestId: randomUUID(),
        payload: Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload)),
        invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fixture-fn',
        traceId: newTraceId(Date.now()),
        wantTail: false,
        ...fields,
      };
      const answer = await endpoint.deliver(invocation, deadlineMs);
      return { ...answer, requestId: invocation.requestId };
    },
    async stop() {
      if (!started.delete(runtime)) return;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      await proxy?.close();
      await endpoint.close();
      rmSync(taskRoot, { recursive: true, force: true });
    },
  };
  started.add(runtime);
  return runtime;
}

/** The JSON document of a success or error answer. */
export function body(answer: FunctionAnswer): unknown {
  return JSON.parse(answer.payload.toString('utf8'));
}

/** A pass-through to the endpoint at `target` (host:port) that adds `headers` to every /next answer. */
async function nextHeaderProxy(target: string, headers: Record<string, string>): Promise<{ address: string; close(): Promise<void> }> {
  const [host, port] = target.split(':');
  const server = createServer((req, res) => {
    const upstream = request({ host, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const added = req.url?.endsWith('/invocation/next') ? headers : {};
      res.writeHead(answer.statusCode!, { ...answer.headers, ...added });
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Waits until `predicate` holds (output arrives a moment after the result). */
export async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
