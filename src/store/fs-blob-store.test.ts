import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CodeStorageExceededException, InvalidParameterValueException, RequestTooLargeException } from '../core/errors.js';
import { LIMITS } from '../core/limits.js';
import { FsBlobStore } from './fs-blob-store.js';
import { removeTree } from './fs-tree.js';
import { link, listTree, zipEntries, renameEntry, zerosZip } from '../../test/helpers/zips.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gust-blobs-'));
});
afterEach(async () => {
  await removeTree(dir);
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();
const packageZip = () =>
  zipEntries([
    { name: 'bootstrap', data: '#!/bin/sh\n', mode: 0o100755 },
    { name: 'lib/util.js', data: 'module.exports = 1;' },
    link('lib/current', 'util.js'),
  ]);

/** Everything under the blob directory that is not a directory. */
async function leftovers(): Promise<string[]> {
  return (await listTree(dir)).filter((e) => e.type !== 'dir').map((e) => e.path);
}

describe('FsBlobStore', () => {
  it('stores a zip content-addressed, with its package unpacked read-only beside it', async () => {
    const store = new FsBlobStore(dir);
    const zip = await packageZip();
    const hash = sha256(zip).toString('hex');
    const blob = await store.put(zip);
    expect(blob).toEqual({ hash, sha256Base64: sha256(zip).toString('base64'), size: zip.length, unzippedSize: 10 + 19 + 7 });
    expect(store.zipPath(hash)).toBe(join(dir, 'zips', hash.slice(0, 2), `${hash}.zip`));
    expect(store.unpackedPath(hash)).toBe(join(dir, 'code', hash));
    expect(await readFile(store.zipPath(hash))).toEqual(zip);
    expect(await store.has(hash)).toBe(true);
    expect(await store.stat(hash)).toEqual(blob);
    expect(await listTree(store.unpackedPath(hash))).toEqual([
      { path: 'bootstrap', type: 'file', mode: 0o555 },
      { path: 'lib', type: 'dir', mode: 0o555 },
      { path: 'lib/current', type: 'link', mode: 0o777 },
      { path: 'lib/util.js', type: 'file', mode: 0o444 },
    ]);
    expect((await stat(store.unpackedPath(hash))).mode & 0o777).toBe(0o555);
    expect(await listTree(join(dir, 'tmp'))).toEqual([]);
  });

  it('treats a second put of the same bytes as a no-op', async () => {
    const store = new FsBlobStore(dir);
    const zip = await packageZip();
    const first = await store.put(zip);
    const before = await stat(store.unpackedPath(first.hash));
    expect(await store.put(zip)).toEqual(first);
    const after = await stat(store.unpackedPath(first.hash));
    expect(after.ino).toBe(before.ino);
    expect(after.ctimeMs).toBe(before.ctimeMs);
  });

  it('serves concurrent puts of the same bytes once', async () => {
    const store = new FsBlobStore(dir);
    const zip = await packageZip();
    const results = await Promise.all([store.put(zip), store.put(zip), store.put(zip)]);
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    expect(await listTree(join(dir, 'code'))).toHaveLength(1 + 4);
    expect(await listTree(join(dir, 'tmp'))).toEqual([]);
  });

  it('stores different packages side by side, and a second store on the directory sees them', async () => {
    const store = new FsBlobStore(dir);
    const [a, b] = await Promise.all([store.put(await zipEntries([{ name: 'a', data: 'a' }])), store.put(await zipEntries([{ name: 'b', data: 'b' }]))]);
    expect(a.hash).not.toBe(b.hash);
    const again = new FsBlobStore(dir);
    expect(await again.stat(a.hash)).toEqual(a);
    expect(await readFile(join(again.unpackedPath(b.hash), 'b'), 'utf8')).toBe('b');
  });

  it('deletes the zip, its metadata and its read-only tree', async () => {
    const store = new FsBlobStore(dir);
    const kept = await store.put(await zipEntries([{ name: 'keep', data: 'k' }]));
    const gone = await store.put(await packageZip());
    await store.delete(gone.hash);
    expect(await store.has(gone.hash)).toBe(false);
    expect(await store.stat(gone.hash)).toBeUndefined();
    expect(existsSync(store.zipPath(gone.hash))).toBe(false);
    expect(existsSync(store.unpackedPath(gone.hash))).toBe(false);
    await expect(store.delete(gone.hash)).resolves.toBeUndefined();
    expect(await store.has(kept.hash)).toBe(true);
    expect((await leftovers()).filter((p) => !p.includes(kept.hash))).toEqual([]);
  });

  it('answers unknown and malformed hashes without touching the file system', async () => {
    const store = new FsBlobStore(dir);
    expect(await store.has('0'.repeat(64))).toBe(false);
    expect(await store.stat('../../etc/passwd')).toBeUndefined();
    expect(() => store.zipPath('../x')).toThrow(InvalidParameterValueException);
    expect(() => store.unpackedPath('A'.repeat(64))).toThrow(InvalidParameterValueException);
    await expect(store.delete('..')).rejects.toBeInstanceOf(InvalidParameterValueException);
  });

  it('clears what a crashed put left: work directories and a tree without metadata', async () => {
    const zip = await packageZip();
    const hash = sha256(zip).toString('hex');
    await mkdir(join(dir, 'tmp', 'put-crashed', 'code'), { recursive: true });
    await writeFile(join(dir, 'tmp', 'put-crashed', 'code', 'half.js'), 'x');
    await mkdir(join(dir, 'code', hash), { recursive: true });
    await writeFile(join(dir, 'code', hash, 'stale.js'), 'stale');
    const store = new FsBlobStore(dir);
    await store.put(zip);
    expect(await listTree(join(dir, 'tmp'))).toEqual([]);
    expect((await listTree(store.unpackedPath(hash))).map((e) => e.path)).toEqual(['bootstrap', 'lib', 'lib/current', 'lib/util.js']);
  });

  describe('refusals leave nothing behind', () => {
    const UNZIP_FAILED = 'Could not unzip uploaded file. Please check your file, then try to upload again.';

    async function expectRefused(store: FsBlobStore, zip: Buffer, type: new (message: string) => Error, message: string, operation?: string): Promise<void> {
      const error = await store.put(zip, operation === undefined ? {} : { operation }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toBe(message);
      expect(await leftovers()).toEqual([]);
      expect(await store.has(sha256(zip).toString('hex'))).toBe(false);
    }

    it('refuses garbage and truncated zips', async () => {
      const store = new FsBlobStore(dir);
      await expectRefused(store, Buffer.alloc(0), InvalidParameterValueException, UNZIP_FAILED);
      await expectRefused(store, Buffer.from('not a zip at all'), InvalidParameterValueException, UNZIP_FAILED);
      const zip = await zipEntries([{ name: 'a.txt', data: Buffer.alloc(4000, 7) }, { name: 'b.txt', data: 'b' }]);
      await expectRefused(store, zip.subarray(0, zip.length - 30), InvalidParameterValueException, UNZIP_FAILED);
    });

    it('refuses entries that escape the package, after unpacking part of it', async () => {
      const store = new FsBlobStore(dir);
      const files = [{ name: 'index.js', data: 'x' }, { name: 'lib/a.js', data: 'a' }];
      const dotdot = renameEntry(await zipEntries([...files, { name: '__/evil', data: 'x' }]), '__/evil', '../evil');
      await expectRefused(store, dotdot, InvalidParameterValueException, "Could not unzip uploaded file. The entry '../evil' points outside the package.");
      const absolute = renameEntry(await zipEntries([...files, { name: '_etc/x', data: 'x' }]), '_etc/x', '/etc/x');
      await expectRefused(store, absolute, InvalidParameterValueException, "Could not unzip uploaded file. The entry '/etc/x' has an absolute path.");
      const outside = await zipEntries([...files, link('lib/passwd', '../../../etc/passwd')]);
      await expectRefused(
        store,
        outside,
        InvalidParameterValueException,
        "Could not unzip uploaded file. The entry 'lib/passwd' is a symbolic link to '../../../etc/passwd', outside the package.",
      );
    });

    it('refuses a zip bomb', async () => {
      const store = new FsBlobStore(dir, { maxUnzippedBytes: 2 * 1024 * 1024 });
      const zip = await zerosZip('zeros.bin', 8 * 1024 * 1024);
      await expectRefused(store, zip, InvalidParameterValueException, 'Unzipped size must be smaller than 2097152 bytes');
    });

    it('refuses a zip over the zipped limit before reading it', async () => {
      const store = new FsBlobStore(dir);
      const big = Buffer.alloc(LIMITS.zippedCodeBytes + 1);
      await expectRefused(store, big, RequestTooLargeException, 'Request must be smaller than 69905067 bytes for the CreateFunction operation');
      await expectRefused(store, big, RequestTooLargeException, 'Request must be smaller than 69905067 bytes for the UpdateFunctionCode operation', 'UpdateFunctionCode');
      expect(await listTree(dir)).toEqual([]);
    });

    it('takes a zip exactly at the zipped limit', async () => {
      const zip = await packageZip();
      await expectRefused(new FsBlobStore(dir, { maxZippedBytes: zip.length - 1 }), zip, RequestTooLargeException, 'Request must be smaller than 69905067 bytes for the CreateFunction operation');
      await expect(new FsBlobStore(dir, { maxZippedBytes: zip.length }).put(zip)).resolves.toMatchObject({ size: zip.length });
    });
  });
});

describe('FsBlobStore shared by the nodes of a cluster', () => {
  it('stores one package put by two nodes at once, whichever renames first, and both read it whole', async () => {
    const a = new FsBlobStore(dir, { node: 'a' });
    const b = new FsBlobStore(dir, { node: 'b' });
    for (let round = 0; round < 5; round++) {
      const zip = await zipEntries([{ name: 'index.js', data: `round ${round}` }, { name: 'lib/x.js', data: 'x' }]);
      const [fromA, fromB] = await Promise.all([a.put(zip), b.put(zip)]);
      expect(fromB).toEqual(fromA);
      expect(await readFile(join(b.unpackedPath(fromA.hash), 'index.js'), 'utf8')).toBe(`round ${round}`);
      expect(await a.stat(fromA.hash)).toEqual(fromA);
    }
    expect(await listTree(join(dir, 'tmp', 'a'))).toEqual([]);
    expect(await listTree(join(dir, 'tmp', 'b'))).toEqual([]);
  });

  it("clears only its own work directory at start, and keeps a tree whose metadata another node has yet to write", async () => {
    await mkdir(join(dir, 'tmp', 'b'), { recursive: true });
    const staged = join(dir, 'tmp', 'b', 'upload-1.zip');
    await writeFile(staged, 'being uploaded to node b');
    const hash = 'a'.repeat(64);
    await mkdir(join(dir, 'code', hash), { recursive: true });
    await writeFile(join(dir, 'code', hash, 'index.js'), 'committing');
    const a = new FsBlobStore(dir, { node: 'a' });
    await a.put(await packageZip());
    await a.treesOpened;
    expect(a.stagingPath().startsWith(join(dir, 'tmp', 'a') + '/')).toBe(true);
    expect(await readFile(staged, 'utf8')).toBe('being uploaded to node b');
    expect(await readFile(join(dir, 'code', hash, 'index.js'), 'utf8')).toBe('committing');
  });
});

describe('FsBlobStore with its trees elsewhere (the sandbox volume)', () => {
  it('waits for the trees\' place to put, unpacks there, and re-unpacks from the zips a tree the new place lacks', async () => {
    const trees = join(dir, 'volume', 'code');
    let ready!: () => void;
    const store = new FsBlobStore(join(dir, 'blobs'), { trees: { dir: trees, ready: new Promise<void>((r) => (ready = r)) } });
    const zip = await packageZip();
    const hash = sha256(zip).toString('hex');
    // Started before the place is ready: unpacking there before it was would fail (its work directory does not exist yet).
    const put = store.put(zip);
    ready();
    await put;
    expect(store.unpackedPath(hash)).toBe(join(trees, hash));
    expect(await readFile(join(trees, hash, 'lib/util.js'), 'utf8')).toBe('module.exports = 1;');
    expect(existsSync(join(dir, 'blobs', 'code'))).toBe(false);

    // A new, empty volume under the same blobs: the tree comes back from the zip, and a tree without a blob goes.
    const next = join(dir, 'volume2', 'code');
    await mkdir(join(next, 'f'.repeat(64)), { recursive: true });
    const reopened = new FsBlobStore(join(dir, 'blobs'), { trees: { dir: next, ready: Promise.resolve() } });
    await reopened.treesOpened;
    expect(await readFile(join(next, hash, 'lib/util.js'), 'utf8')).toBe('module.exports = 1;');
    expect(existsSync(join(next, 'f'.repeat(64)))).toBe(false);
  });

  it('deletes a zip at once and its tree once the trees\' place is ready', async () => {
    const trees = join(dir, 'volume', 'code');
    const zip = await packageZip();
    const hash = sha256(zip).toString('hex');
    await new FsBlobStore(join(dir, 'blobs'), { trees: { dir: trees, ready: Promise.resolve() } }).put(zip);
    let ready!: () => void;
    const store = new FsBlobStore(join(dir, 'blobs'), { trees: { dir: trees, ready: new Promise<void>((r) => (ready = r)) } });
    await store.delete(hash);
    expect(await store.has(hash)).toBe(false);
    expect(existsSync(join(trees, hash))).toBe(true);
    ready();
    await store.treesOpened;
    expect(existsSync(join(trees, hash))).toBe(false);
  });

  it('reports a zip it cannot unpack again and opens the other trees', async () => {
    const first = await packageZip();
    const second = await zipEntries([{ name: 'index.js', data: 'exports.x = 2;' }]);
    const store = new FsBlobStore(join(dir, 'blobs'), { trees: { dir: join(dir, 'volume', 'code'), ready: Promise.resolve() } });
    const [a, b] = [await store.put(first), await store.put(second)];
    await writeFile(store.zipPath(a.hash), 'not a zip any more');
    const reported: string[] = [];
    const next = join(dir, 'volume2', 'code');
    const reopened = new FsBlobStore(join(dir, 'blobs'), { trees: { dir: next, ready: Promise.resolve() }, report: (_err, context) => reported.push(context) });
    await reopened.treesOpened;
    expect(reported).toEqual([`unpacking code ${a.hash} again from its zip`]);
    expect(await readFile(join(next, b.hash, 'index.js'), 'utf8')).toBe('exports.x = 2;');
    expect(existsSync(join(next, a.hash))).toBe(false);
  });

  it('refuses, as a full disk, a tree larger than the room left under the trees\' place, and leaves nothing', async () => {
    const trees = join(dir, 'volume', 'code');
    const store = new FsBlobStore(join(dir, 'blobs'), { trees: { dir: trees, ready: Promise.resolve(), room: async () => 10 } });
    const zip = await packageZip();
    await expect(store.put(zip)).rejects.toBeInstanceOf(CodeStorageExceededException);
    expect(await store.list()).toEqual([]);
    expect((await listTree(dir)).filter((e) => e.type !== 'dir')).toEqual([]);
  });
});
