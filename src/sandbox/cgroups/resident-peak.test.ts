import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../test/helpers/wait.js';
import { KeptFile } from './cgroupfs.js';
import { ResidentPeak } from './resident-peak.js';

const MB = 1024 * 1024;
const PERL = '/usr/bin/perl';
const PYTHON = '/usr/bin/python3';

/**
 * A single-threaded process that sleeps on stdin until told to `grow` (64 MB, written, so
 * resident) or `shrink` (let them go: perl returns an allocation this large to the kernel
 * at once), and answers each line.
 */
const PERL_WORKER = '$| = 1; my $x; print "up\\n"; while (<STDIN>) { $x = "a" x (64 * 1024 * 1024) if /grow/; undef $x if /shrink/; print "ok\\n"; }';

/**
 * A process whose main thread sleeps for good while a second thread, after `delay`
 * seconds asleep, fills 64 MB: its growth happens without its main thread running.
 */
const PYTHON_THREADED = (delay: number) =>
  `import threading, time, sys
held = []
def later():
    time.sleep(${delay})
    held.append(b'a' * (64 * 1024 * 1024))
threading.Thread(target=later).start()
print('up', flush=True)
threading.Event().wait()
`;

const children: ChildProcess[] = [];
let dir: string | undefined;

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Starts `command` and resolves once it printed its first line; `tell` sends a line and waits for the answer. */
async function started(command: string, args: string[]): Promise<{ pid: number; tell(cmd: string): Promise<void> }> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  let text = '';
  const waiters: (() => void)[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    while (text.includes('\n')) {
      text = text.slice(text.indexOf('\n') + 1);
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

function vmRssBytes(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))![1]) * 1024;
}

const skip = !existsSync('/proc/self/clear_refs') ? 'needs /proc clear_refs' : !existsSync(PERL) ? `needs ${PERL}` : undefined;
if (skip) console.log(`skipped: ResidentPeak ${skip}`);

describe.skipIf(skip)('ResidentPeak, over processes that sleep between windows', () => {
  it('counts a quiet process at what it holds, window after window, and its growth once it runs, and restarts its peak after', async () => {
    const helper = await started(PERL, ['-e', PERL_WORKER]);
    const peak = new ResidentPeak(procsFile([helper.pid]), undefined);
    peak.read();
    peak.reset();
    // Windows in which it sleeps, as bwrap and gust-init do while the runtime works.
    const quiet: number[] = [];
    for (let i = 0; i < 3; i++) {
      quiet.push(peak.read());
      peak.reset();
    }
    for (const bytes of quiet) expect(bytes).toBe(vmRssBytes(helper.pid));

    await helper.tell('grow');
    const grown = peak.read();
    peak.reset();
    expect(grown).toBeGreaterThan(Math.max(...quiet) + 60 * MB);

    await helper.tell('shrink');
    // That window began with the 64 MB held: its peak has them.
    expect(peak.read()).toBeGreaterThan(Math.max(...quiet) + 60 * MB);
    peak.reset();
    // The next begins after they were let go, and it sleeps through it.
    expect(peak.read()).toBeLessThan(grown - 60 * MB);
  });

  it.skipIf(!existsSync(PYTHON))('counts what a second thread fills while the main thread sleeps', async () => {
    const threaded = await started(PYTHON, ['-c', PYTHON_THREADED(0.3)]);
    const peak = new ResidentPeak(procsFile([threaded.pid]), undefined);
    const before = peak.read();
    peak.reset();
    for (let i = 0; i < 3; i++) {
      peak.read();
      peak.reset();
    }
    await waitUntil(() => vmRssBytes(threaded.pid) > before + 60 * MB);
    expect(peak.read()).toBeGreaterThan(before + 60 * MB);
  });
});

/** Read system calls this thread has made (per-thread I/O accounting), or undefined without it. */
function threadReads(): number | undefined {
  if (!existsSync('/proc/thread-self/io')) return undefined;
  return Number(/syscr:\s+(\d+)/.exec(readFileSync('/proc/thread-self/io', 'latin1'))![1]);
}

describe.skipIf(skip || !existsSync(PYTHON) || threadReads() === undefined)('ResidentPeak, over a process with several threads', () => {
  it('reads its status once per window and nothing else of it: its CPU time could not spare that read', async () => {
    const threaded = await started(PYTHON, ['-c', PYTHON_THREADED(3600)]);
    const tasks = join((dir ??= mkdtempSync(join(tmpdir(), 'gust-resident-'))), 'pids.current');
    writeFileSync(tasks, '2\n');
    const taskCount = new KeptFile(tasks, false);
    const peak = new ResidentPeak(procsFile([threaded.pid]), taskCount);
    // The first window lists the pids and learns the thread count.
    peak.read();
    peak.reset();
    const windows = 20;
    const first = threadReads()!;
    const perMeasurement = threadReads()! - first;
    const before = threadReads()!;
    for (let i = 0; i < windows; i++) {
      expect(peak.read()).toBeGreaterThan(0);
      peak.reset();
    }
    const reads = threadReads()! - before - perMeasurement;
    // Per window: the task count, then the process's status.
    expect(reads).toBe(windows * 2);
    peak.close();
  });
});
