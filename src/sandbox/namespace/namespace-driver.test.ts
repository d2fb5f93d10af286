import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectCgroups, type CgroupHost } from '../cgroups/index.js';
import { runSandboxDriverContract } from '../sandbox-driver.contract.js';
import { NamespaceDriver } from './namespace-driver.js';
import { gustRuntimesDir } from '../runtimes/gust-runtimes.js';
import { namespaceHostGap, setUpNamespaceDriver } from './namespace-setup.js';
import { ensureTraversable, prepareSandboxHost, type SandboxHostFiles } from './sandbox-host.js';
import { OptTrees } from './opt-trees.js';
import { UidLeases } from './uid-leases.js';

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
    host ??= prepareSandboxHost(join(stateRoot, 'sandbox'), gustRuntimesDir());
    const files = await host;
    ensureTraversable(tmpRoot, tmpRoot, identity);
    ensureTraversable(stateRoot, stateRoot, identity);
    return new NamespaceDriver({ host: files, uids: new UidLeases(identity, 64), workRoot: tmpRoot, cgroups: withCgroups, optTrees: OptTrees.open(join(stateRoot, 'opt-trees')) });
  };
}

runSandboxDriverContract({ name: 'namespace', tmpOnHost: false, ...(gap ? { skip: gap } : {}), create: factory(undefined) });
const cgroupGap = gap ?? (memory || pids || cpu || freezer ? undefined : `this host gives no cgroups (${cgroups.support.warnings.join(' ')})`);
runSandboxDriverContract({ name: `namespace with cgroups (${cgroups.support.mode})`, tmpOnHost: false, ...(cgroupGap ? { skip: cgroupGap } : {}), create: factory(cgroups) });

describe('NamespaceDriver.layout', () => {
  const usr = { bashAsSh: false, pythonPackageDirs: [], emptyDir: '/e' };
  const driver = new NamespaceDriver({ host: { init: '', seccomp: undefined, etc: { dir: '', refresh: () => undefined }, runtimes: { nodejs: '/n', python: '/p' }, usr }, uids: new UidLeases(identity, 1), workRoot: '/tmp', optTrees: OptTrees.open(join(stateRoot, 'opt-trees')) });
  const code = { codeDir: '/data/blobs/x', layerDirs: ['/data/blobs/l'] };

  it("shows Lambda's paths whatever the host paths are", () => {
    expect(driver.layout(code)).toEqual({ taskRoot: '/var/task', optRoots: ['/opt'], runtimeDir: '/var/runtime', runtimeApi: '127.0.0.1:9001' });
    const node = { language: 'nodejs' as const, version: '22', runtimeDir: '/home/me/gust/runtimes/node', bootstrap: 'bootstrap.mjs', interpreter: '/cache/node-22/bin/node', langDir: '/cache/node-22', sdkDir: '/cache/sdk/node_modules' };
    expect(driver.layout({ ...code, runtime: node }).runtime).toEqual({
      runtimeDir: '/var/runtime',
      command: '/var/lang/bin/node',
      args: ['/var/runtime/bootstrap.mjs'],
      sdkDir: '/var/runtime/node_modules',
      pathPrefix: ['/var/lang/bin'],
    });
    const python = { language: 'python' as const, version: '3.13', runtimeDir: '/tmp/gust/runtimes/python', bootstrap: 'bootstrap.py', interpreter: '/cache/py313/usr/bin/python3.13', systemRoot: '/cache/py313', sdkDir: '/cache/boto3' };
    expect(driver.layout({ ...code, runtime: python }).runtime).toMatchObject({ command: '/usr/bin/python3.13', args: ['/var/runtime/bootstrap.py'], sdkDir: '/var/lang/lib/python3.13/site-packages' });
  });
});

describe('OptTrees', () => {
  it('binds one layer whole; merges several once into hard links where the later layer wins; drops a tree whose layer is gone', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gust-opt-'));
    try {
      const a = join(root, 'a');
      const b = join(root, 'b');
      for (const p of [join(a, 'nodejs/node_modules/x'), join(a, 'bin'), join(b, 'nodejs/node_modules/y'), join(b, 'python'), join(b, 'bin')]) mkdirSync(p, { recursive: true });
      writeFileSync(join(a, 'bin/tool'), 'a');
      writeFileSync(join(a, 'conf'), 'a');
      writeFileSync(join(b, 'conf'), 'b');
      writeFileSync(join(a, 'nodejs/node_modules/x/index.js'), 'x');
      symlinkSync('tool', join(b, 'bin/alias'));
      // A file in the later layer replaces a whole directory of the earlier one.
      mkdirSync(join(a, 'replaced'));
      writeFileSync(join(a, 'replaced/inner'), 'a');
      writeFileSync(join(b, 'replaced'), 'b');
      const trees = OptTrees.open(join(root, 'trees'));
      expect(await trees.treeFor([])).toBeUndefined();
      expect(await trees.treeFor([a])).toBe(a);
      const [tree, again] = await Promise.all([trees.treeFor([a, b]), trees.treeFor([a, b])]);
      expect(again).toBe(tree);
      const read = (p: string) => readFileSync(join(tree!, p), 'utf8');
      expect([read('conf'), read('bin/tool'), read('bin/alias'), read('nodejs/node_modules/x/index.js'), read('replaced')]).toEqual(['b', 'a', 'a', 'x', 'b']);
      expect(readdirSync(join(tree!, 'nodejs/node_modules')).sort()).toEqual(['x', 'y']);
      expect(statSync(join(tree!, 'conf')).ino).toBe(statSync(join(b, 'conf')).ino);
      expect(lstatSync(join(tree!, 'bin/alias')).isSymbolicLink()).toBe(true);
      const reversed = await trees.treeFor([b, a]);
      expect(reversed).not.toBe(tree);
      expect(readFileSync(join(reversed!, 'conf'), 'utf8')).toBe('a');
      rmSync(a, { recursive: true });
      OptTrees.open(join(root, 'trees'));
      expect(existsSync(tree!)).toBe(false);
      expect(readdirSync(join(root, 'trees'))).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe.skipIf(gap !== undefined)('setUpNamespaceDriver', () => {
  it('builds gust-init, runs a trial sandbox, and returns a driver that leaves its work directory empty', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gust-ns-data-'));
    try {
      const driver = await setUpNamespaceDriver({ dataDir, workRoot: join(dataDir, 'env-tmp'), identity });
      expect(driver.name).toBe('namespace');
      await driver.close();
      expect(readdirSync(join(dataDir, 'env-tmp'))).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/** Host pids of the bwrap processes this test process started (a spare, or a sandbox's), through its spawner. */
function ourBwraps(): number[] {
  const parents = new Set([process.pid, ...readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'latin1').trim().split(' ').map(Number)]);
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'latin1');
        return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === 'bwrap' && parents.has(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function until<T>(probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('timed out');
}

describe.skipIf(cgroupGap !== undefined)('NamespaceDriver, the sandbox launched ahead', () => {
  it('launches one after a start, gives it to the next start of that MemorySize, replaces one of another, and close() kills it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gust-ns-spare-'));
    try {
      const codeDir = join(root, 'code');
      mkdirSync(codeDir, { mode: 0o755 });
      const driver = await factory(cgroups)(root);
      const others = new Set(ourBwraps());
      const spares = () => ourBwraps().filter((p) => !others.has(p));
      const run = async (memoryMb: number) => {
        const sandbox = await driver.start({ command: '/usr/bin/true', args: [], env: {}, codeDir, layerDirs: [], limits: { memoryMb, ephemeralStorageMb: 1 }, onOutput: () => undefined });
        const exit = await sandbox.exited;
        await sandbox.stop();
        others.add(sandbox.pid);
        return { pid: sandbox.pid, code: exit.code };
      };
      expect(await run(128)).toMatchObject({ code: 0 });
      const spare = await until(() => spares()[0]);
      // Taken by the next start of the same size, which runs as any other.
      expect(await run(128)).toEqual({ pid: spare, code: 0 });
      const next = await until(() => spares()[0]);
      // Another size: the waiting one goes, a new one of that size comes.
      expect((await run(256)).pid).not.toBe(next);
      await until(() => (ourBwraps().includes(next) ? undefined : true));
      const last = await until(() => spares()[0]);
      await driver.close();
      await until(() => (ourBwraps().includes(last) ? undefined : true));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
