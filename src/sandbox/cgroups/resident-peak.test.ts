import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ResidentPeak } from './resident-peak.js';

const MB = 1024 * 1024;

/**
 * A process that sleeps until told, on stdin, to `grow` (fill 64 MB, kept) or `shrink`
 * (let them go), and answers each with a line. Node gives a buffer this large its own
 * mapping, so the resident set follows.
 */
const WORKER = `
let held;
require('node:readline').createInterface({ input: process.stdin }).on('line', (cmd) => {
  if (cmd === 'grow') held = Buffer.alloc(64 * 1024 * 1024, 1);
  if (cmd === 'shrink') { held = undefined; globalThis.gc(); }
  process.stdout.write(cmd + '\\n');
});
process.stdout.write('up\\n');
`;

const children: ChildProcess[] = [];
let dir: string | undefined;

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function worker(): Promise<{ pid: number; tell(cmd: string): Promise<void> }> {
  const child = spawn(process.execPath, ['--expose-gc', '-e', WORKER], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  let lines = '';
  const waiters: (() => void)[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    lines += chunk.toString();
    while (lines.includes('\n')) {
      lines = lines.slice(lines.indexOf('\n') + 1);
      waiters.shift()?.();
    }
  });
  await new Promise<void>((resolve) => waiters.push(resolve));
  return {
    pid: child.pid!,
    async tell(cmd) {
      const answered = new Promise<void>((resolve) => waiters.push(resolve));
      child.stdin!.write(`${cmd}\n`);
      await answered;
    },
  };
}

/** A list of pids as a cgroup's `cgroup.procs` gives them. */
function procsFile(pids: number[]): string {
  dir ??= mkdtempSync(join(tmpdir(), 'gust-resident-'));
  const path = join(dir, 'cgroup.procs');
  writeFileSync(path, pids.map((p) => `${p}\n`).join(''));
  return path;
}

describe.skipIf(!existsSync('/proc/self/clear_refs'))('ResidentPeak (needs /proc clear_refs)', () => {
  it('a process that sleeps through several windows still has its growth counted once it runs, and its peak restarts after', async () => {
    const runtime = await worker();
    const helper = await worker();
    const peak = new ResidentPeak(procsFile([runtime.pid, helper.pid]), undefined);

    peak.read();
    peak.reset();
    // Windows in which only the runtime works, as warm invocations do while the helpers sleep.
    const quiet: number[] = [];
    for (let i = 0; i < 3; i++) {
      await runtime.tell('tick');
      quiet.push(peak.read());
      peak.reset();
    }

    await helper.tell('grow');
    const grown = peak.read();
    peak.reset();
    expect(grown).toBeGreaterThan(Math.max(...quiet) + 60 * MB);

    await helper.tell('shrink');
    const shrunk = peak.read();
    peak.reset();
    // The window of the shrink began with the 64 MB held: its peak has them.
    expect(shrunk).toBeGreaterThan(Math.max(...quiet) + 60 * MB);
    await runtime.tell('tick');
    // The next window starts after they were let go.
    expect(peak.read()).toBeLessThan(grown - 50 * MB);
  });

  it('a sleeping process counts what it holds, window after window, as when its status is read', async () => {
    const helper = await worker();
    await helper.tell('grow');
    const peak = new ResidentPeak(procsFile([helper.pid]), undefined);
    const first = peak.read();
    peak.reset();
    const later: number[] = [];
    for (let i = 0; i < 3; i++) {
      later.push(peak.read());
      peak.reset();
    }
    expect(first).toBeGreaterThan(64 * MB);
    for (const bytes of later) expect(bytes).toBeGreaterThan(64 * MB);
    for (const bytes of later) expect(bytes).toBeLessThanOrEqual(first);
  });
});
