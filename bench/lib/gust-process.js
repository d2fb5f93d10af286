/** Runs `gust serve` as a separate process on a temporary data dir, as a user would. */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The runtimes directory the test suites share (test/helpers/runtimes.ts), so that a
 * bench's fresh data dir does not wait for the runtimes' SDKs to install.
 */
const runtimesDir = process.env.GUST_RUNTIMES_DIR || (process.geteuid?.() === 0 ? '/var/cache/gust/runtimes' : join(homedir(), '.cache', 'gust', 'runtimes'));

/**
 * Every Gust this process started and has not stopped. Should the bench die on an error,
 * each gets a SIGTERM on the way out, so that it stops its environments and none outlives
 * the run.
 */
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGTERM');
});

/** A port nobody listens on right now, so that the bench knows Gust's address without reading its logs. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = http.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function healthy(url) {
  return new Promise((resolve) => {
    const req = http.get(`${url}/health`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
  });
}

/**
 * Starts `gust serve` at its default log level (what a user runs), its log going to a
 * file rather than through the bench's own event loop. `options.sandbox` is passed as
 * `--sandbox`; `options.cpuProfDir` runs it under `node --cpu-prof`; `options.nodeArgs`
 * go to node before the script; `options.env` adds variables to its environment (OTEL_*);
 * `options.dataDir` serves an existing data dir, which stop() leaves in place for the next start.
 */
export async function startGustProcess(options = {}) {
  const keptDir = options.dataDir !== undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gust-bench-'));
  const logFile = `${dataDir}.log`;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const nodeArgs = [...(options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : []), ...(options.nodeArgs ?? [])];
  const serveArgs = ['serve', '--port', String(port), '--data-dir', dataDir, '--runtimes-dir', runtimesDir, ...(options.sandbox ? ['--sandbox', options.sandbox] : []), ...(options.args ?? [])];
  const out = openSync(logFile, 'w');
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, join(root, 'bin/gust.js'), ...serveArgs], { stdio: ['ignore', out, out], ...(options.env ? { env: { ...process.env, ...options.env } } : {}) });
  closeSync(out);
  running.add(child);
  let exited = false;
  const exit = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      exited = true;
      running.delete(child);
      resolve(code ?? signal);
    }),
  );
  const logTail = () => readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
  // The figure users care about is the first answered health check, not the log line.
  while (!(await healthy(url))) {
    if (exited) {
      const code = await exit;
      if (!keptDir) rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`gust serve ${serveArgs.join(' ')} exited with ${code} before answering /health:\n${logTail()}`);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  const healthMs = performance.now() - t0;
  return {
    url,
    pid: child.pid,
    healthMs,
    /** The server's data dir (the auth scenario makes an access key in it). */
    dataDir,
    logFile,
    /** Resident set size of the Gust process itself, in bytes. */
    rssBytes() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
    },
    async stop() {
      if (!exited) child.kill('SIGTERM');
      const code = await exit;
      const failure = code === 0 ? undefined : new Error(`gust serve ended with ${code}:\n${logTail()}`);
      if (!keptDir) rmSync(dataDir, { recursive: true, force: true });
      rmSync(logFile, { force: true });
      if (failure) throw failure;
    },
  };
}
