import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CodeStorageExceededException } from '../core/errors.js';
import { Deferred } from '../core/primitives.js';
import { FsBlobStore } from '../store/fs-blob-store.js';
import { makeZip, zerosZip } from '../../test/helpers/zips.js';
import { CodeStorage } from './code-storage.js';

describe('CodeStorage', () => {
  let dir: string;
  let blobs: FsBlobStore;
  let referenced: Set<string>;
  let running: Set<string>;
  const storage = (limitBytes = 1024 * 1024 * 1024) =>
    new CodeStorage({ blobs, limitBytes, references: async () => new Set(referenced), inUse: () => running, report: (err) => { throw err; } });
  const zip = (text: string) => makeZip({ 'index.js': text });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gust-code-storage-'));
    blobs = new FsBlobStore(join(dir, 'blobs'));
    referenced = new Set();
    running = new Set();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('collects what nothing references, keeps what versions or environments use', async () => {
    const code = storage();
    const [a, b, c] = await code.writing(async () => Promise.all(['a', 'b', 'c'].map(async (t) => code.put(await zip(t)))));
    referenced.add(a!.hash);
    running.add(b!.hash);
    await code.sweep();
    expect((await blobs.list()).map((x) => x.hash).sort()).toEqual([a!.hash, b!.hash].sort());
    expect(await blobs.has(c!.hash)).toBe(false);
    running.clear();
    await code.sweep();
    expect((await blobs.list()).map((x) => x.hash)).toEqual([a!.hash]);
    expect(code.usedBytes()).toBe(a!.size + a!.unzippedSize);
  });

  it('deletes nothing from a blob store the nodes of a cluster share, and still counts it', async () => {
    const code = new CodeStorage({ blobs, limitBytes: 1024 * 1024 * 1024, references: async () => new Set(), inUse: () => [], report: (err) => { throw err; }, collects: false });
    const stored = await code.writing(async () => code.put(await zip('another node may commit it')));
    await code.sweep();
    expect(await blobs.has(stored.hash)).toBe(true);
    expect(code.usedBytes()).toBe(stored.size + stored.unzippedSize);
  });

  it('never collects a package stored by an operation that has not committed yet', async () => {
    const code = storage();
    const committed = new Deferred<void>();
    const stored = new Deferred<string>();
    const operation = code.writing(async () => {
      stored.resolve((await code.put(await zip('new'))).hash);
      await committed.promise;
    });
    const hash = await stored.promise;
    const sweep = code.sweep();
    await new Promise((r) => setTimeout(r, 20));
    referenced.add(hash);
    committed.resolve();
    await operation;
    await sweep;
    expect(await blobs.has(hash)).toBe(true);
  });

  it('refuses a package whose unpacked bytes pass the limit, and keeps nothing of it', async () => {
    const code = storage(1024 * 1024);
    const big = await zerosZip('zeros.bin', 2 * 1024 * 1024);
    await expect(code.writing(() => code.put(big))).rejects.toBeInstanceOf(CodeStorageExceededException);
    expect(await blobs.list()).toEqual([]);
    expect(code.usedBytes()).toBe(0);
  });

  it('loads what a previous run stored and collects its garbage', async () => {
    // What an earlier Gust left in the blob store.
    const kept = await blobs.put(await zip('kept'));
    await blobs.put(await zip('garbage'));
    referenced.add(kept.hash);
    const second = storage();
    await second.load();
    expect((await blobs.list()).map((x) => x.hash)).toEqual([kept.hash]);
    expect(second.usedBytes()).toBe(kept.size + kept.unzippedSize);
  });
});
