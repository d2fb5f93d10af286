import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { newInstanceName, processStartTime } from '../sandbox/server-instance.js';
import { openEnvTmp } from './env-tmp.js';

let dataDir = '';
let systemTmp = '';
afterEach(() => {
  for (const d of [dataDir, systemTmp]) if (d) rmSync(d, { recursive: true, force: true });
});

/** A directory under env-tmp with a file in it, as a server leaves its sandboxes' files. */
function leftBy(name: string): string {
  const dir = join(dataDir, 'env-tmp', name);
  mkdirSync(join(dir, 'gust-env-x'), { recursive: true });
  writeFileSync(join(dir, 'gust-env-x', 'file'), 'x');
  return dir;
}

it('sweeps what servers that are gone left, and keeps the directories of servers still running', async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'gust-envtmp-'));
  const exited = spawnSync(process.execPath, ['-e', '']).pid!;
  const dead = leftBy(`${exited}-${processStartTime(process.pid)}-0badc0de`);
  // This process is alive: a server of it (another in the same test process) keeps its files.
  const live = leftBy(`${process.pid}-${processStartTime(process.pid)}-0a1b2c3d`);
  // Alive, but started at another time: a reused pid, so a server that is gone.
  const reused = leftBy(`${process.pid}-1-0a1b2c3d`);
  // The layout before instance directories.
  const unowned = [leftBy('gust-env-abc'), leftBy('gust-ready-abc'), leftBy('gust-ns-abc'), leftBy('runtime-probe')];
  const other = leftBy('not-gusts');

  // Ready runtimes' socket directories in the system's temporary directory (a data dir too long for a socket path).
  systemTmp = mkdtempSync(join(tmpdir(), 'gust-envtmp-sys-'));
  const socketDir = (name: string) => {
    mkdirSync(join(systemTmp, name));
    return join(systemTmp, name);
  };
  const deadSocket = socketDir(`gust-ready-${exited}-${processStartTime(process.pid)}-0badc0de-AbC123`);
  const liveSocket = socketDir(`gust-ready-${process.pid}-${processStartTime(process.pid)}-0a1b2c3d-AbC123`);
  // Of an older version or another program: no instance to tell whose.
  const anonymousSocket = socketDir('gust-ready-AbC123');

  const envTmp = openEnvTmp(dataDir, newInstanceName(), systemTmp);
  expect(envTmp.dir.startsWith(join(dataDir, 'env-tmp'))).toBe(true);
  expect(envTmp.socketDirPrefix.startsWith(join(systemTmp, `gust-ready-${envTmp.dir.slice(envTmp.dir.lastIndexOf('/') + 1)}-`))).toBe(true);
  expect(await envTmp.sweep()).toBe(3 + unowned.length);
  for (const gone of [dead, reused, ...unowned, deadSocket]) expect(existsSync(gone), gone).toBe(false);
  for (const kept of [live, other, envTmp.dir, liveSocket, anonymousSocket]) expect(existsSync(kept), kept).toBe(true);

  envTmp.close();
  expect(existsSync(envTmp.dir)).toBe(false);
  expect(readdirSync(join(dataDir, 'env-tmp')).sort()).toEqual([live, other].map((d) => d.slice(d.lastIndexOf('/') + 1)).sort());
});

it('gives each server of one data dir a directory of its own', () => {
  dataDir = mkdtempSync(join(tmpdir(), 'gust-envtmp-'));
  const a = openEnvTmp(dataDir, newInstanceName());
  const b = openEnvTmp(dataDir, newInstanceName());
  expect(a.socketDirPrefix).not.toBe(b.socketDirPrefix);
  expect(a.dir).not.toBe(b.dir);
  a.close();
  expect(existsSync(b.dir)).toBe(true);
  b.close();
});
