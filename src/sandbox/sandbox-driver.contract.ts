/**
 * The behaviour every SandboxDriver must have, as one suite each driver's test runs with
 * its own factory: `runSandboxDriverContract({ name, create })`. Real processes only.
 * Linux-only checks (/proc) are skipped elsewhere, with the reason in the test name.
 *
 * Processes are found on the host by a unique marker in their command line, never by a pid
 * the script prints: inside a pid namespace that pid means nothing to the host.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox, SandboxDriver, SandboxSpec } from './sandbox-driver.js';

export interface SandboxDriverContractOptions {
  name: string;
  /** A driver whose private directories live under `tmpRoot`. */
  create(tmpRoot: string): SandboxDriver | Promise<SandboxDriver>;
  /**
   * Whether TMPDIR is a host directory under `tmpRoot` (default), or lives and dies with the
   * sandbox's own mounts.
   */
  tmpOnHost?: boolean;
  /** Why the suite cannot run on this host; it is skipped with this reason. */
  skip?: string;
}

const hasProc = existsSync('/proc/self/status');

/** Whether a process exists and is not a zombie waiting for its parent. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (!hasProc) return true;
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Host pids whose command line contains `marker` (Linux). */
export function processesWith(marker: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'latin1').includes(marker) && processAlive(Number(name))) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

/** A `sleep` whose command line is unique: `sleep 300.<random digits>`. */
function markedSleep(): { marker: string; command: string } {
  const marker = `300.${Math.floor(Math.random() * 1e9)}`;
  return { marker, command: `sleep ${marker}` };
}

export async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(10);
  }
}

export function runSandboxDriverContract(options: SandboxDriverContractOptions): void {
  const title = `SandboxDriver contract: ${options.name}`;
  if (options.skip) console.warn(`skipping ${title}: ${options.skip}`);
  describe.skipIf(options.skip !== undefined)(title, () => {
    let root: string;
    let codeDir: string;
    let driver: SandboxDriver;
    const started: Sandbox[] = [];

    beforeEach(async () => {
      root = mkdtempSync(join(tmpdir(), 'gust-sandbox-'));
      codeDir = join(root, 'code');
      mkdirSync(codeDir);
      driver = await options.create(root);
    });

    afterEach(async () => {
      await Promise.all(started.splice(0).map((s) => s.stop(100)));
      await driver.close?.();
      rmSync(root, { recursive: true, force: true });
    });

    function script(name: string, body: string): string {
      const path = join(codeDir, name);
      writeFileSync(path, `#!/bin/bash\n${body}\n`);
      chmodSync(path, 0o755);
      return path;
    }

    async function start(command: string, extra: Partial<SandboxSpec> = {}): Promise<{ sandbox: Sandbox; lines: { line: string; stream: string }[] }> {
      const lines: { line: string; stream: string }[] = [];
      const sandbox = await driver.start({
        command,
        args: [],
        env: { PATH: '/usr/bin:/bin', GUST_TEST: 'yes' },
        codeDir,
        layerDirs: [],
        limits: { memoryMb: 128, ephemeralStorageMb: 512 },
        onOutput: (line, stream) => lines.push({ line, stream }),
        ...extra,
      });
      started.push(sandbox);
      return { sandbox, lines };
    }

    it('runs in the code directory with exactly the given environment plus a private TMPDIR', async () => {
      const { sandbox, lines } = await start('/usr/bin/env');
      const exit = await sandbox.exited;
      expect(exit).toEqual({ code: 0, signal: null, reason: 'exit' });
      const vars = Object.fromEntries(lines.map((l) => l.line.split(/=(.*)/s).slice(0, 2)));
      const layout = driver.layout({ codeDir, layerDirs: [] });
      expect(Object.keys(vars).sort()).toEqual(['GUST_TEST', 'PATH', 'TMPDIR']);
      expect(vars.GUST_TEST).toBe('yes');
      const pwd = await start(script('pwd.sh', 'pwd'));
      await pwd.sandbox.exited;
      expect(pwd.lines.map((l) => l.line)).toEqual([layout.taskRoot]);
    });

    it('delivers stdout and stderr line by line, including a last line without a newline', async () => {
      const { sandbox, lines } = await start(script('out.sh', 'echo one; echo two >&2; printf "three\\r\\nfour"'));
      await sandbox.exited;
      // Two pipes have no order between them; within one, order holds.
      expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.line)).toEqual(['one', 'three', 'four']);
      expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.line)).toEqual(['two']);
    });

    it.skipIf(!hasProc)('drainOutput delivers what was written before it was called (needs /proc)', async () => {
      const marked = markedSleep();
      const { sandbox, lines } = await start(script('burst.sh', `for i in $(seq 1 2000); do echo "line $i"; done; exec ${marked.command}`));
      // The sleep replaces the shell only after its last echo returned.
      await waitFor(() => processesWith(marked.marker).length > 0);
      // Everything is in the pipe now; drainOutput must deliver all of it.
      await sandbox.drainOutput();
      expect(lines.filter((l) => l.line.startsWith('line ')).length).toBe(2000);
    });

    it('reports an exit status, and a signal it did not send as an exit', async () => {
      const a = await start(script('exit3.sh', 'exit 3'));
      expect(await a.sandbox.exited).toEqual({ code: 3, signal: null, reason: 'exit' });
      const b = await start(script('sleep.sh', 'sleep 30'));
      process.kill(b.sandbox.pid, 'SIGKILL');
      expect(await b.sandbox.exited).toEqual({ code: null, signal: 'SIGKILL', reason: 'exit' });
      expect(b.sandbox.exit).toEqual({ code: null, signal: 'SIGKILL', reason: 'exit' });
    });

    it.skipIf(!hasProc)('stop() sends SIGTERM, then SIGKILL after the grace, to the whole tree, and removes TMPDIR (needs /proc)', async () => {
      const marked = markedSleep();
      const { sandbox, lines } = await start(script('stubborn.sh', `trap "" TERM; ${marked.command} & touch "$TMPDIR/mine"; echo "tmp $TMPDIR"; wait`));
      await waitFor(() => lines.length >= 1 && processesWith(marked.marker).length > 0);
      const tmp = lines.find((l) => l.line.startsWith('tmp '))!.line.slice(4);
      if (options.tmpOnHost !== false) expect(existsSync(join(tmp, 'mine'))).toBe(true);
      const t0 = Date.now();
      const exit = await sandbox.stop(300);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
      expect(exit.reason).toBe('killed');
      expect(exit.signal).toBe('SIGKILL');
      await waitFor(() => processesWith(marked.marker).length === 0);
      expect(processAlive(sandbox.pid)).toBe(false);
      if (options.tmpOnHost !== false) expect(existsSync(tmp)).toBe(false);
      // Nothing the driver made under its root for this sandbox is left (a TMPDIR, a socket directory).
      expect(readdirSync(root).filter((n) => n !== 'code')).toEqual([]);
    });

    it('stop() of a runtime that obeys SIGTERM is quick', async () => {
      const { sandbox } = await start(script('sleep.sh', 'sleep 300 & wait'));
      const t0 = Date.now();
      const exit = await sandbox.stop(5000);
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(exit).toEqual({ code: null, signal: 'SIGTERM', reason: 'killed' });
    });

    it('kill() ends the tree at once', async () => {
      const { sandbox } = await start(script('sleep.sh', 'trap "" TERM; sleep 300'));
      sandbox.kill();
      expect(await sandbox.exited).toMatchObject({ signal: 'SIGKILL', reason: 'killed' });
    });

    it.skipIf(!hasProc)('an unexpected exit takes the runtime\'s children with it (needs /proc)', async () => {
      const marked = markedSleep();
      const { sandbox } = await start(script('orphan.sh', `${marked.command} & until grep -qF ${marked.marker} /proc/$!/cmdline 2>/dev/null; do :; done; exit 0`));
      await sandbox.exited;
      await waitFor(() => processesWith(marked.marker).length === 0);
    });

    it('rejects when the command cannot be spawned', async () => {
      await expect(start(join(codeDir, 'missing'))).rejects.toThrow(/ENOENT/);
    });

    it.skipIf(!hasProc)('measures peak memory of the process tree and resets it per window (needs /proc)', async () => {
      const js = join(codeDir, 'mem.js');
      writeFileSync(js, "let b = Buffer.alloc(80e6, 1); console.log('allocated'); setTimeout(() => { b = null; global.gc(); console.log('freed'); }, 100); setInterval(() => {}, 1000);");
      // Relative to the working directory, which is the task root in every driver.
      const { sandbox, lines } = await start(script('mem.sh', `"${process.execPath}" --expose-gc mem.js & wait`));
      await waitFor(() => lines.some((l) => l.line === 'freed'));
      const peak = sandbox.peakMemoryBytes();
      expect(peak).toBeGreaterThan(80e6);
      // V8 may hand the buffer back to the kernel a moment after 'freed' (a background
      // thread): a window begun before that still sees it, so new windows are begun until
      // one starts after the release.
      await waitFor(() => {
        sandbox.resetPeakMemory();
        return sandbox.peakMemoryBytes() < peak - 40e6;
      });
      expect(sandbox.peakMemoryBytes()).toBeGreaterThan(0);
    });
  });
}
