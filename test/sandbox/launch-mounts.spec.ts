/**
 * What a sandbox's bubblewrap starts from: a mount namespace of its launcher's own, holding
 * its /tmp disk but no other sandbox's, and no network namespace's name. bwrap copies that
 * table and reads it through once per bind, so a table that grew with every sandbox on the
 * host made each cold start dearer than the last (sandbox.md, "The launch's own mount
 * namespace"). Checked on the host, through each waiting bwrap's /proc/<pid>/mountinfo,
 * while several environments are up; and their functions still write their own /tmp.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespaceHostGap } from '../../src/sandbox/namespace/namespace-setup.js';
import { tmpDiskGap } from '../../src/sandbox/namespace/tmp-disks.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { createFunction, invoke } from '../helpers/lambda.js';

const gap = namespaceHostGap() ?? tmpDiskGap() ?? (spawnSync('nft', ['--version']).status === 0 ? undefined : 'needs nftables (nft)');
if (gap) console.warn(`test/sandbox/launch-mounts.spec.ts skipped: ${gap}`);

const ENVIRONMENTS = 4;
const WRITER = `import os
def handler(event, context):
    with open("/tmp/mine", "w") as f:
        f.write(context.function_name)
    return sorted(os.listdir("/tmp"))
`;

/** Mount points (mountinfo's 5th field) of a mount table. */
function mountPointsOf(mountinfo: string): string[] {
  return mountinfo.split('\n').flatMap((line) => (line ? [line.split(' ')[4]!] : []));
}

/** Whether `pid` descends from this process (the server runs in it; other suites' servers, each with its own disks, run beside). */
function ours(pid: number): boolean {
  for (let p = pid; p > 1; ) {
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    p = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (p === process.pid) return true;
  }
  return false;
}

/** The mount tables of this server's bwrap processes. */
function bwrapTables(): string[][] {
  const tables: string[][] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'bwrap' || !ours(Number(pid))) continue;
      tables.push(mountPointsOf(readFileSync(`/proc/${pid}/mountinfo`, 'utf8')));
    } catch {
      // Gone meanwhile.
    }
  }
  return tables;
}

describe.skipIf(gap !== undefined)('the mount namespace a sandbox is launched from', () => {
  let t: TestGust;

  beforeAll(async () => {
    t = await startTestGust({ flags: { sandbox: 'namespace', readySandboxes: '0' } });
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('holds its own /tmp disk and none of the others, nor any network namespace name, whatever the host holds', { timeout: 120_000 }, async () => {
    for (let i = 0; i < ENVIRONMENTS; i++) {
      const name = `writer-${i}`;
      await createFunction(t.lambda, name, { Runtime: 'python3.11', Handler: 'lambda_function.handler', files: { 'lambda_function.py': WRITER } });
      const r = await invoke(t.lambda, name, {});
      expect(r.functionError, r.text).toBeUndefined();
      expect(r.json).toEqual(['mine']);
    }
    const disks = join(t.dataDir, 'sandbox', 'tmp-disks');
    const host = mountPointsOf(readFileSync('/proc/self/mountinfo', 'utf8'));
    // The host holds every environment's disk (and the ready ones) and every namespace's name.
    expect(host.filter((p) => p.startsWith(`${disks}/`)).length).toBeGreaterThanOrEqual(ENVIRONMENTS);
    expect(host.filter((p) => p.startsWith('/run/netns/')).length).toBeGreaterThanOrEqual(ENVIRONMENTS);
    // The environments' bwraps and the spare waiting for the next start.
    const tables = bwrapTables();
    expect(tables.length).toBeGreaterThanOrEqual(ENVIRONMENTS);
    for (const points of tables) {
      expect(points.filter((p) => p.startsWith(`${disks}/`))).toHaveLength(1);
      expect(points.filter((p) => p.startsWith('/run/netns/'))).toEqual([]);
    }
  });
});
