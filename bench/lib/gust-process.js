/** Runs `gust serve` as a separate process on a temporary data dir, as a user would. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export async function startGustProcess(extraArgs = []) {
  const dataDir = mkdtempSync(join(tmpdir(), 'gust-bench-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(root, 'bin/gust.js'), 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'info', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`gust serve exited with ${code} before listening`)));
    lines.on('line', (line) => {
      try {
        const rec = JSON.parse(line);
        if (rec.msg === 'gust listening') resolve(rec.url);
      } catch {
        // not a log record
      }
    });
  });
  // The log line comes right after listen(); the figure users care about is the first
  // answered health check.
  for (;;) {
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  const healthMs = performance.now() - t0;
  return {
    url,
    pid: child.pid,
    healthMs,
    /** Resident set size of the Gust process itself, in bytes. */
    rssBytes() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
