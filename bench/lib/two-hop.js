/**
 * The two-hop limit: the least any Runtime-API platform must do. A bare node HTTP server
 * takes an invoke on its front port and hands the body to a runtime process parked on
 * GET /next of a minimal Runtime API, then answers with what the runtime posts back.
 * The runtime processes are Gust's own bootstraps running the same handler, so the only
 * difference from Gust is everything Gust does besides forwarding.
 */
import http from 'node:http';
import { fork, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export class TwoHopServer {
  /**
   * `oneEach`: a runtime takes a waiting invoke only at its first /next, so that N
   * runtimes started for N invokes each run exactly one (the scale-out baseline).
   */
  constructor({ oneEach = false } = {}) {
    this.oneEach = oneEach;
    this.seen = new Set(); // sockets of runtimes that had their first /next
    this.parked = []; // runtimes waiting on /next: {res}
    this.queue = []; // invokes waiting for a runtime: {body, resolve}
    this.inflight = new Map(); // request id → resolve
    this.children = [];
    this.firstNext = new Map(); // runtime index → resolve of its first /next
  }

  async start() {
    this.runtimeServer = http.createServer((req, res) => this.onRuntime(req, res));
    this.runtimeServer.keepAliveTimeout = 0;
    this.frontServer = http.createServer((req, res) => this.onFront(req, res));
    // Clients open their sockets ahead of a burst that may wait for runtimes to start.
    this.frontServer.keepAliveTimeout = 0;
    await Promise.all([listen(this.runtimeServer), listen(this.frontServer)]);
    this.runtimeAddress = `127.0.0.1:${this.runtimeServer.address().port}`;
    this.base = `http://127.0.0.1:${this.frontServer.address().port}`;
    this.url = `${this.base}/invoke`;
  }

  onFront(req, res) {
    if (req.method === 'GET') {
      // A health check, so that clients can open their keep-alive sockets ahead of a burst.
      res.end('{"status":"ok"}');
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      this.dispatch(Buffer.concat(chunks)).then((payload) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': payload.length });
        res.end(payload);
      });
    });
  }

  dispatch(body) {
    return new Promise((resolve) => {
      const runtime = this.parked.shift();
      if (runtime) this.deliver(runtime, body, resolve);
      else this.queue.push({ body, resolve });
    });
  }

  deliver(res, body, resolve) {
    const id = randomUUID();
    this.inflight.set(id, resolve);
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': body.length,
      'lambda-runtime-aws-request-id': id,
      'lambda-runtime-deadline-ms': String(Date.now() + 60_000),
      'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:us-east-1:000000000000:function:baseline',
      'lambda-runtime-trace-id': 'Root=1-00000000-000000000000000000000000',
    });
    res.end(body);
  }

  onRuntime(req, res) {
    if (req.method === 'GET' && req.url.endsWith('/runtime/invocation/next')) {
      this.onFirstNext?.();
      const first = !this.seen.has(req.socket);
      this.seen.add(req.socket);
      const waiting = this.oneEach && !first ? undefined : this.queue.shift();
      if (waiting) this.deliver(res, waiting.body, waiting.resolve);
      else this.parked.push(res);
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const m = /\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(req.url);
      const resolve = m && this.inflight.get(m[1]);
      if (resolve) {
        this.inflight.delete(m[1]);
        resolve(Buffer.concat(chunks));
      }
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end('{"status":"OK"}');
    });
  }

  /** Spawns `count` runtimes with `command`; resolves when each has parked its first /next. */
  async spawnRuntimes(count, command, env) {
    const before = this.parked.length;
    const ready = new Promise((resolve) => {
      this.onFirstNext = () => {
        if (this.parked.length + 1 - before >= count) {
          this.onFirstNext = undefined;
          setImmediate(resolve);
        }
      };
    });
    for (let i = 0; i < count; i++) {
      const child = spawn(command[0], command.slice(1), { env: { ...env, AWS_LAMBDA_RUNTIME_API: this.runtimeAddress }, stdio: ['ignore', 'ignore', 'inherit'] });
      this.children.push(child);
    }
    await ready;
  }

  async stop() {
    // The runtimes die before their parked /next is cut, so none reports a broken Runtime API.
    await Promise.all(
      this.children.map((c) => {
        if (c.exitCode !== null || c.signalCode !== null) return undefined;
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGKILL');
        return exited;
      }),
    );
    for (const res of this.parked) res.destroy();
    this.runtimeServer.closeAllConnections();
    this.frontServer.closeAllConnections();
    await Promise.all([close(this.runtimeServer), close(this.frontServer)]);
  }
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
}

function close(server) {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * A cold start done bare: spawns one runtime process against a fresh minimal Runtime API,
 * hands `payload` to its first GET /next and waits for its answer. Resolves with the
 * milliseconds from spawn to that first /next (the runtime's own start-up) and to the
 * answer (start-up plus one invocation: the least a cold invoke can take).
 */
export async function bareColdStart(command, env, payload) {
  let t0 = 0;
  let nextMs = 0;
  let resolveDone;
  let rejectDone;
  const done = new Promise((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url.endsWith('/runtime/invocation/next')) {
      if (nextMs) return; // the runtime's second /next: park it until the process is killed
      nextMs = performance.now() - t0;
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': payload.length,
        'lambda-runtime-aws-request-id': randomUUID(),
        'lambda-runtime-deadline-ms': String(Date.now() + 60_000),
        'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:us-east-1:000000000000:function:baseline',
        'lambda-runtime-trace-id': 'Root=1-00000000-000000000000000000000000',
      });
      res.end(payload);
      return;
    }
    req.resume();
    req.on('end', () => {
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end('{"status":"OK"}');
      if (/\/response$/.test(req.url)) resolveDone(performance.now() - t0);
      else rejectDone(new Error(`bare runtime answered ${req.method} ${req.url}`));
    });
  });
  await listen(server);
  t0 = performance.now();
  const child = spawn(command[0], command.slice(1), { env: { ...env, AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${server.address().port}` }, stdio: 'ignore' });
  const exited = new Promise((resolve) =>
    child.once('exit', (code) => {
      rejectDone(new Error(`bare runtime ${command.join(' ')} exited with ${code}`));
      resolve();
    }),
  );
  try {
    const responseMs = await done;
    return { nextMs, responseMs };
  } finally {
    child.kill('SIGKILL');
    await exited;
    server.closeAllConnections();
    await close(server);
  }
}

/**
 * The same server run in a child process (two-hop-child.js): what the scenarios use, so that
 * the baseline, like Gust, does not share the client's event loop.
 */
export class TwoHopProcess {
  constructor(options = {}) {
    this.options = options;
    this.pending = new Map();
    this.nextId = 0;
  }

  async start() {
    this.child = fork(fileURLToPath(new URL('./two-hop-child.js', import.meta.url)), [JSON.stringify(this.options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', ({ id, result, error }) => {
      const p = this.pending.get(id);
      this.pending.delete(id);
      if (error) p.reject(new Error(`two-hop server: ${error}`));
      else p.resolve(result);
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code) => {
        for (const p of this.pending.values()) p.reject(new Error(`two-hop server exited with ${code}`));
        this.pending.clear();
        resolve();
      }),
    );
    const { url, base } = await this.call('start');
    this.url = url;
    this.base = base;
    this.pid = this.child.pid;
  }

  call(name, args) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, name, args });
    });
  }

  /** Spawns `count` runtimes; resolves with their pids once each has parked its first /next. */
  spawnRuntimes(count, command, env) {
    return this.call('spawnRuntimes', { count, command, env });
  }

  async stop() {
    await this.call('stop');
    await this.exited;
  }
}
