import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { processStartTime } from '../sandbox/server-instance.js';
import { openEnvTmp } from './env-tmp.js';

let dataDir = '';
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

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

  const envTmp = openEnvTmp(dataDir);
  expect(envTmp.dir.startsWith(join(dataDir, 'env-tmp'))).toBe(true);
  expect(await envTmp.sweep()).toBe(2 + unowned.length);
  for (const gone of [dead, reused, ...unowned]) expect(existsSync(gone), gone).toBe(false);
  for (const kept of [live, other, envTmp.dir]) expect(existsSync(kept), kept).toBe(true);

  envTmp.close();
  expect(existsSync(envTmp.dir)).toBe(false);
  expect(readdirSync(join(dataDir, 'env-tmp')).sort()).toEqual([live, other].map((d) => d.slice(d.lastIndexOf('/') + 1)).sort());
});

it('gives each server of one data dir a directory of its own', () => {
  dataDir = mkdtempSync(join(tmpdir(), 'gust-envtmp-'));
  const a = openEnvTmp(dataDir);
  const b = openEnvTmp(dataDir);
  expect(a.dir).not.toBe(b.dir);
  a.close();
  expect(existsSync(b.dir)).toBe(true);
  b.close();
});
