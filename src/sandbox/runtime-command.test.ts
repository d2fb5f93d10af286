import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidRuntimeException } from '../core/errors.js';
import { ProcessDriver } from './process-driver.js';
import { InvalidEntrypointError, RuntimeCommandResolver } from './runtime-command.js';
import { gustRuntimesDir } from './runtimes/gust-runtimes.js';
import { HostRuntimeImages } from './runtimes/host-images.js';
import { HostInterpreters } from './runtimes/host-interpreters.js';

describe('RuntimeCommandResolver', () => {
  let root: string;
  let code: string;
  const driver = new ProcessDriver({ tmpRoot: tmpdir() });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'gust-rc-'));
    code = join(root, 'code');
    mkdirSync(code);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function executable(path: string, body = '#!/bin/sh\n'): string {
    writeFileSync(path, body);
    chmodSync(path, 0o755);
    return path;
  }

  const hostMajor = process.version.slice(1).split('.')[0]!;

  it("nodejs<host major>.x: the node running Gust with Gust's node bootstrap", () => {
    const r = new RuntimeCommandResolver(new HostRuntimeImages()).resolve(`nodejs${hostMajor}.x` as 'nodejs20.x', { codeDir: code, layerDirs: [] }, driver);
    expect(r.command).toBe(process.execPath);
    expect(r.args).toEqual([join(gustRuntimesDir(), 'node', 'bootstrap.mjs')]);
    expect(r.runtimeDir).toBe(join(gustRuntimesDir(), 'node'));
    expect(r.mounts.runtime).toMatchObject({ language: 'nodejs', version: hostMajor });
  });

  it('never runs another version: an identifier the host has no interpreter of is an InvalidRuntimeException that says so', () => {
    const other = hostMajor === '22' ? 'nodejs24.x' : 'nodejs22.x';
    expect(() => new RuntimeCommandResolver(new HostRuntimeImages()).resolve(other, { codeDir: code, layerDirs: [] }, driver)).toThrow(
      new RegExp(`${other.replace('.', '\\.')} is not available on this host: Gust runs on Node.js ${process.version}`),
    );
  });

  it('python3.X: a real python3.X binary, skipping shims and scripts; none → InvalidRuntimeException', () => {
    const shims = join(root, 'shims');
    const bin = join(root, 'bin');
    mkdirSync(shims);
    mkdirSync(bin);
    executable(join(shims, 'python3.12'), '\x7fELF');
    executable(join(root, 'python3.12'), '#!/bin/sh\nexec python3 "$@"\n');
    const real = executable(join(bin, 'python3.12'), '\x7fELFbinary');
    const images = (dirs: string[]) => new RuntimeCommandResolver(new HostRuntimeImages(new HostInterpreters({ pythonDirs: dirs })));
    expect(images([join(root, 'missing'), shims, root, bin]).resolve('python3.12', { codeDir: code, layerDirs: [] }, driver).command).toBe(real);
    expect(() => images([shims, root]).resolve('python3.12', { codeDir: code, layerDirs: [] }, driver)).toThrow(InvalidRuntimeException);
    expect(() => images([bin]).resolve('python3.13', { codeDir: code, layerDirs: [] }, driver)).toThrow(/no python3\.13 on this host/);
  });

  it("provided: the code's bootstrap, else the last layer that has one, else Runtime.InvalidEntrypoint", () => {
    const r = new RuntimeCommandResolver(new HostRuntimeImages());
    const l1 = join(root, 'l1');
    const l2 = join(root, 'l2');
    mkdirSync(l1);
    mkdirSync(l2);
    const mounts = { codeDir: code, layerDirs: [l1, l2] };
    const e = (() => {
      try {
        r.resolve('provided.al2023', mounts, driver);
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(InvalidEntrypointError);
    expect((e as InvalidEntrypointError).errorType).toBe('Runtime.InvalidEntrypoint');
    executable(join(l1, 'bootstrap'));
    expect(r.resolve('provided.al2023', mounts, driver).command).toBe(join(l1, 'bootstrap'));
    executable(join(l2, 'bootstrap'));
    expect(r.resolve('provided.al2023', mounts, driver).command).toBe(join(l2, 'bootstrap'));
    executable(join(code, 'bootstrap'));
    expect(r.resolve('provided', mounts, driver).command).toBe(join(code, 'bootstrap'));
    expect(r.resolve('provided', mounts, driver).mounts.runtime).toBeUndefined();
  });
});
