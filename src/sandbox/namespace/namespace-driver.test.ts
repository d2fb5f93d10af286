import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectCgroups, type CgroupHost } from '../cgroups/index.js';
import { runSandboxDriverContract } from '../sandbox-driver.contract.js';
import { NamespaceDriver } from './namespace-driver.js';
import { defaultRuntimesDir, namespaceHostGap, setUpNamespaceDriver } from './namespace-setup.js';
import { ensureTraversable, prepareSandboxHost, type SandboxHostFiles } from './sandbox-host.js';
import { planOptMounts } from './opt-layers.js';

const identity = { uid: 65532, gid: 65532 };
const gap = namespaceHostGap();
const stateRoot = mkdtempSync(join(tmpdir(), 'gust-ns-state-'));
let host: Promise<SandboxHostFiles> | undefined;

// The same contract with each environment in its own cgroups, wherever this host has any.
const cgroups = await detectCgroups({ parentName: 'gust-test' });
const { memory, pids, cpu, freezer } = cgroups.support;
afterAll(async () => {
  await cgroups.close();
  rmSync(stateRoot, { recursive: true, force: true });
});

function factory(withCgroups: CgroupHost | undefined) {
  return async (tmpRoot: string) => {
    host ??= prepareSandboxHost(join(stateRoot, 'sandbox'), defaultRuntimesDir(), identity);
    const files = await host;
    ensureTraversable(tmpRoot, tmpRoot, identity);
    ensureTraversable(stateRoot, stateRoot, identity);
    return new NamespaceDriver({ host: files, identity, workRoot: tmpRoot, runtimesDir: defaultRuntimesDir(), cgroups: withCgroups });
  };
}

runSandboxDriverContract({ name: 'namespace', tmpOnHost: false, ...(gap ? { skip: gap } : {}), create: factory(undefined) });
const cgroupGap = gap ?? (memory || pids || cpu || freezer ? undefined : `this host gives no cgroups (${cgroups.support.warnings.join(' ')})`);
runSandboxDriverContract({ name: `namespace with cgroups (${cgroups.support.mode})`, tmpOnHost: false, ...(cgroupGap ? { skip: cgroupGap } : {}), create: factory(cgroups) });

describe('NamespaceDriver.layout', () => {
  it("shows Lambda's paths whatever the host paths are", () => {
    const driver = new NamespaceDriver({ host: { init: '', seccomp: undefined, etc: { dir: '', refresh: () => undefined } }, identity, workRoot: '/tmp', runtimesDir: '/r' });
    expect(driver.layout()).toEqual({ taskRoot: '/var/task', optRoots: ['/opt'] });
  });
});

describe('planOptMounts', () => {
  it('binds one layer whole, merges shared directories, and lets the later layer win', () => {
    const root = mkdtempSync(join(tmpdir(), 'gust-opt-'));
    try {
      const a = join(root, 'a');
      const b = join(root, 'b');
      for (const p of [join(a, 'nodejs/node_modules/x'), join(a, 'bin'), join(b, 'nodejs/node_modules/y'), join(b, 'python')]) mkdirSync(p, { recursive: true });
      writeFileSync(join(a, 'bin/tool'), 'a');
      writeFileSync(join(a, 'conf'), 'a');
      writeFileSync(join(b, 'conf'), 'b');
      expect(planOptMounts([])).toEqual([{ kind: 'dir', dest: '/opt' }]);
      expect(planOptMounts([a])).toEqual([{ kind: 'bind', source: a, dest: '/opt' }]);
      expect(planOptMounts([a, b])).toEqual([
        { kind: 'dir', dest: '/opt' },
        { kind: 'bind', source: join(a, 'bin'), dest: '/opt/bin' },
        { kind: 'bind', source: join(b, 'conf'), dest: '/opt/conf' },
        { kind: 'dir', dest: '/opt/nodejs' },
        { kind: 'dir', dest: '/opt/nodejs/node_modules' },
        { kind: 'bind', source: join(a, 'nodejs/node_modules/x'), dest: '/opt/nodejs/node_modules/x' },
        { kind: 'bind', source: join(b, 'nodejs/node_modules/y'), dest: '/opt/nodejs/node_modules/y' },
        { kind: 'bind', source: join(b, 'python'), dest: '/opt/python' },
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe.skipIf(gap !== undefined)('setUpNamespaceDriver', () => {
  it('builds gust-init, runs a trial sandbox, removes what a killed server left, and returns a driver', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gust-ns-data-'));
    try {
      mkdirSync(join(dataDir, 'env-tmp', 'gust-ns-left'), { recursive: true });
      const driver = await setUpNamespaceDriver({ dataDir, workRoot: join(dataDir, 'env-tmp'), identity });
      expect(driver.name).toBe('namespace');
      expect(readdirSync(join(dataDir, 'env-tmp'))).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
