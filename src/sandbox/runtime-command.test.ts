import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidRuntimeException } from '../core/errors.js';
import { InvalidEntrypointError, RuntimeCommandResolver } from './runtime-command.js';

describe('RuntimeCommandResolver', () => {
  let root: string;
  let runtimes: string;
  let code: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'gust-rc-'));
    runtimes = join(root, 'runtimes');
    mkdirSync(join(runtimes, 'node'), { recursive: true });
    mkdirSync(join(runtimes, 'python'), { recursive: true });
    writeFileSync(join(runtimes, 'node', 'bootstrap.mjs'), '');
    writeFileSync(join(runtimes, 'python', 'bootstrap.py'), '');
    code = join(root, 'code');
    mkdirSync(code);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function executable(path: string, body = '#!/bin/sh\n'): string {
    writeFileSync(path, body);
    chmodSync(path, 0o755);
    return path;
  }

  it('nodejs: the absolute node running Gust with the node bootstrap', () => {
    const r = new RuntimeCommandResolver({ runtimesDir: runtimes }).resolve('nodejs20.x', { codeDir: code, layerDirs: [] });
    expect(r.command).toBe(process.execPath);
    expect(r.args).toEqual([join(runtimes, 'node', 'bootstrap.mjs')]);
    expect(r.runtimeDir).toBe(join(runtimes, 'node'));
  });

  it("finds the package's runtimes/ directory relative to its own module", () => {
    const expected = fileURLToPath(new URL('../../runtimes/node/bootstrap.mjs', import.meta.url));
    try {
      expect(new RuntimeCommandResolver().resolve('nodejs20.x', { codeDir: code, layerDirs: [] }).args).toEqual([expected]);
    } catch (err) {
      // Before the node bootstrap exists, the error names exactly the path looked for.
      if (!(err instanceof InvalidRuntimeException)) throw err;
      expect(err.message).toContain(expected);
    }
  });

  it('python: skips shims and scripts, takes a real binary; none → InvalidRuntimeException', () => {
    const shims = join(root, 'shims');
    mkdirSync(shims);
    const shim = executable(join(shims, 'python3'), '\x7fELF');
    const script = executable(join(root, 'python3-wrapper'), '#!/bin/sh\nexec python3 "$@"\n');
    const real = executable(join(root, 'python3'), '\x7fELFbinary');
    const r = new RuntimeCommandResolver({ runtimesDir: runtimes, pythonCandidates: [join(root, 'missing'), shim, script, real] });
    expect(r.resolve('python3.12', { codeDir: code, layerDirs: [] }).command).toBe(real);
    const none = new RuntimeCommandResolver({ runtimesDir: runtimes, pythonCandidates: [shim, script] });
    expect(() => none.resolve('python3.12', { codeDir: code, layerDirs: [] })).toThrow(InvalidRuntimeException);
  });

  it("provided: the code's bootstrap, else the last layer that has one, else Runtime.InvalidEntrypoint", () => {
    const r = new RuntimeCommandResolver({ runtimesDir: runtimes });
    const l1 = join(root, 'l1');
    const l2 = join(root, 'l2');
    mkdirSync(l1);
    mkdirSync(l2);
    const e = (() => {
      try {
        r.resolve('provided.al2023', { codeDir: code, layerDirs: [l1, l2] });
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(InvalidEntrypointError);
    expect((e as InvalidEntrypointError).errorType).toBe('Runtime.InvalidEntrypoint');
    executable(join(l1, 'bootstrap'));
    expect(r.resolve('provided.al2023', { codeDir: code, layerDirs: [l1, l2] }).command).toBe(join(l1, 'bootstrap'));
    executable(join(l2, 'bootstrap'));
    expect(r.resolve('provided.al2023', { codeDir: code, layerDirs: [l1, l2] }).command).toBe(join(l2, 'bootstrap'));
    executable(join(code, 'bootstrap'));
    expect(r.resolve('provided', { codeDir: code, layerDirs: [l1, l2] }).command).toBe(join(code, 'bootstrap'));
  });

  it('a missing bootstrap file of Gust is a clear InvalidRuntimeException', () => {
    rmSync(join(runtimes, 'node'), { recursive: true });
    expect(() => new RuntimeCommandResolver({ runtimesDir: runtimes }).resolve('nodejs22.x', { codeDir: code, layerDirs: [] })).toThrow(/nodejs22.x is not available/);
  });
});
