/**
 * The BlobStore on a local file system, content-addressed by SHA-256:
 *
 *   <dir>/zips/<hash[0..2]>/<hash>.zip    the zip as uploaded (for GetFunction downloads)
 *   <dir>/zips/<hash[0..2]>/<hash>.json   its StoredBlob; written last, it marks the blob complete
 *   <dir>/code/<hash>/                    the package unpacked once, read-only, shared by every
 *                                         version and layer with that code
 *   <dir>/tmp/                            work directories of puts in progress
 *
 * A put unpacks into a work directory first and renames into place only after the whole
 * package validated, so the invoke path never unzips and a refused zip leaves nothing.
 * One Gust process owns the directory: puts and deletes of one hash are serialised in
 * memory, and work directories left by a crash are cleared when the store is first used.
 * Unless the nodes of a cluster share it (`node`): then each works in `tmp/<node>/` and
 * clears only that, a put finding the tree another node put in place keeps it (a tree is
 * renamed into place whole, and content-addressed), and nothing is removed that another node
 * may be committing (trees without a blob yet); Gust then collects no code (code-storage.ts).
 *
 * The unpacked trees may live elsewhere (`trees`: the namespace sandboxes' own volume,
 * sandbox-volume.ts), on a filesystem that is ready only some time after the server starts:
 * until then a put waits for it, and a delete removes the zip at once and its tree once
 * the volume is there. `openTrees` makes the trees agree with the zips (the source of
 * truth): a missing tree is unpacked again from its zip, a tree without a blob goes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { codeStorageFull, InvalidParameterValueException, isDiskFull } from '../core/errors.js';
import { LIMITS } from '../core/limits.js';
import { KeyedMutex } from '../core/primitives.js';
import { zipSize, type BlobStore, type PutOptions, type StoredBlob, type ZipSource } from './blob-store.js';
import { readIfExists, removeTree, syncDir, writeFileDurably } from './fs-tree.js';
import { extractZip, zipTooLarge } from './zip-package.js';

/** Limits of an FsBlobStore; the defaults are AWS's. */
export interface FsBlobStoreOptions {
  /** Largest package, unpacked. Default LIMITS.unzippedCodeBytes. */
  maxUnzippedBytes?: number;
  /** Largest zip. Default LIMITS.zippedCodeBytes. */
  maxZippedBytes?: number;
  /** Where unpacked trees live, when not under the store's directory, and when that place is ready. */
  trees?: {
    dir: string;
    ready: Promise<unknown>;
    /**
     * Bytes the disk under the trees' place can still take. A sparse volume image grows as
     * it is written: a tree its disk cannot hold would fail only at writeback, aborting the
     * volume's journal (read-only from then on), so a tree larger than this is refused as a
     * full disk before its pages are written back.
     */
    room?: () => Promise<number>;
  };
  /**
   * This process's name when the nodes of a cluster share the directory (see above); its
   * work directory is `tmp/<node>/`, so the name must stay the same across its restarts.
   */
  node?: string;
  /** Where a tree that cannot be unpacked again goes (its versions then fail to start; every other one works). */
  report?: (err: unknown, context: string) => void;
}

const HASH_RE = /^[0-9a-f]{64}$/;

/** A BlobStore in a directory of the local file system. */
export class FsBlobStore implements BlobStore {
  private readonly dir: string;
  private readonly maxUnzippedBytes: number;
  private readonly maxZippedBytes: number;
  private readonly locks = new KeyedMutex();
  private ready: Promise<void> | undefined;
  private readonly treesDir: string;
  private readonly treesReady: Promise<unknown>;
  private opening: Promise<void> | undefined;
  private treesOpen: boolean;
  /** Blobs deleted before the trees' place was ready, whose trees openTrees removes. */
  private readonly treeDeletes = new Set<string>();
  /** Work directories of trees, beside them (a rename does not cross filesystems). */
  private readonly treesWork: string;
  private readonly report: (err: unknown, context: string) => void;
  private readonly room: (() => Promise<number>) | undefined;
  /** Where this process stages uploads and works on puts. */
  private readonly tmpDir: string;
  private readonly shared: boolean;

  /** `dir` is created on first use. */
  constructor(dir: string, options: FsBlobStoreOptions = {}) {
    this.dir = resolve(dir);
    this.maxUnzippedBytes = options.maxUnzippedBytes ?? LIMITS.unzippedCodeBytes;
    this.maxZippedBytes = options.maxZippedBytes ?? LIMITS.zippedCodeBytes;
    this.treesDir = options.trees ? resolve(options.trees.dir) : join(this.dir, 'code');
    this.shared = options.node !== undefined;
    this.tmpDir = options.node === undefined ? join(this.dir, 'tmp') : join(this.dir, 'tmp', options.node);
    this.treesWork = options.trees ? join(this.treesDir, '.tmp') : this.tmpDir;
    this.report = options.report ?? (() => undefined);
    this.room = options.trees?.room;
    this.treesOpen = false;
    this.treesReady = options.trees?.ready ?? Promise.resolve();
  }

  /**
   * Resolves once the trees' place is ready and agrees with the zips; puts and tree deletes
   * wait for it. Opened at the first ask, under the store's own directory too: a data dir
   * last served with its trees on a sandbox volume has none there.
   */
  get treesOpened(): Promise<void> {
    if (!this.opening) {
      this.opening = this.treesReady.then(() => this.openTrees());
      // Its failure is each put's to report.
      this.opening.catch(() => undefined);
    }
    return this.opening;
  }

  async put(zip: ZipSource, options: PutOptions = {}): Promise<StoredBlob> {
    try {
      return await this.putOnce(zip, options);
    } finally {
      // A staged file is moved into place by a put that stores it; whatever else happened, it goes.
      if (!Buffer.isBuffer(zip)) await rm(zip.path, { force: true });
    }
  }

  stagingPath(): string {
    return join(this.tmpDir, `upload-${randomBytes(12).toString('hex')}.zip`);
  }

  private async putOnce(zip: ZipSource, options: PutOptions): Promise<StoredBlob> {
    if (zipSize(zip) > this.maxZippedBytes) throw zipTooLarge(options.operation);
    const digest = await sha256(zip);
    const hash = digest.toString('hex');
    await this.init();
    // Before the hash's lock, never while holding it: openTrees takes each hash's lock on its way to ready.
    await this.treesOpened;
    return this.locks.run(hash, async () => {
      const existing = await this.stat(hash);
      if (existing) return existing;
      try {
        return await this.store(zip, hash, digest);
      } catch (err) {
        if (isDiskFull(err)) throw codeStorageFull(err);
        throw err;
      }
    });
  }

  private async store(zip: ZipSource, hash: string, digest: Buffer): Promise<StoredBlob> {
    const work = await mkdtemp(join(this.tmpDir, 'put-'));
    const tree = await mkdtemp(join(this.treesWork, 'put-'));
    try {
      const { unzippedSize } = await extractZip(zip, join(tree, 'code'), { maxUnzippedBytes: this.maxUnzippedBytes });
      if (this.room && unzippedSize > (await this.room())) throw Object.assign(new Error(`no room for ${unzippedSize} unpacked bytes on the disk under ${this.treesDir}`), { code: 'ENOSPC' });
      const blob: StoredBlob = { hash, sha256Base64: digest.toString('base64'), size: zipSize(zip), unzippedSize };
      if (Buffer.isBuffer(zip)) await writeFileDurably(join(work, 'code.zip'), zip);
      else await moveDurably(zip.path, join(work, 'code.zip'));
      await writeFileDurably(join(work, 'blob.json'), JSON.stringify(blob));
      await this.commit(hash, work, join(tree, 'code'));
      return blob;
    } finally {
      await removeTree(work);
      await removeTree(tree);
    }
  }

  async has(hash: string): Promise<boolean> {
    return (await this.stat(hash)) !== undefined;
  }

  async stat(hash: string): Promise<StoredBlob | undefined> {
    if (!HASH_RE.test(hash)) return undefined;
    const json = await readIfExists(this.metaPath(hash));
    return json === undefined ? undefined : (JSON.parse(json.toString('utf8')) as StoredBlob);
  }

  async list(): Promise<StoredBlob[]> {
    await this.init();
    const blobs: StoredBlob[] = [];
    for (const shard of await readdir(join(this.dir, 'zips'))) {
      for (const name of await readdir(join(this.dir, 'zips', shard))) {
        const hash = /^([0-9a-f]{64})\.json$/.exec(name)?.[1];
        const blob = hash === undefined ? undefined : await this.stat(hash);
        if (blob) blobs.push(blob);
      }
    }
    return blobs;
  }

  zipPath(hash: string): string {
    return join(this.shard(hash), `${hash}.zip`);
  }

  unpackedPath(hash: string): string {
    checkHash(hash);
    return join(this.treesDir, hash);
  }

  async delete(hash: string): Promise<void> {
    checkHash(hash);
    await this.init();
    await this.locks.run(hash, async () => {
      // Metadata first: from here on the blob is absent, even if a crash stops the rest.
      await removeTree(this.metaPath(hash));
      await removeTree(this.zipPath(hash));
    });
    // Trees under the store's own directory are there at once; before a volume is (a sweep at
    // start-up must not wait for it), openTrees removes the tree.
    if (!this.treesOpen && this.treesDir === join(this.dir, 'code')) await this.treesOpened;
    if (this.treesOpen) await this.removeTreeOf(hash);
    else {
      this.treeDeletes.add(hash);
      void this.treesOpened;
    }
  }

  /** Removes the tree of a hash no blob has (a put of the same code in between keeps its new tree). */
  private removeTreeOf(hash: string): Promise<void> {
    return this.locks.run(hash, async () => {
      if ((await this.stat(hash)) === undefined) await removeTree(this.unpackedPath(hash));
    });
  }

  /**
   * Once the trees' place is ready: unpacks again from its zip every blob whose tree is
   * missing (the first start on a new volume), removes trees no blob has (a crash between a
   * delete's two steps) and what puts left half done, and the trees an older layout kept
   * under the store's own directory.
   */
  private async openTrees(): Promise<void> {
    await this.init();
    await mkdir(this.treesDir, { recursive: true });
    // The store's own tmp/ (where uploads are staged) was cleared by init.
    if (this.treesWork !== this.tmpDir) await removeTree(this.treesWork);
    await mkdir(this.treesWork, { recursive: true });
    const blobs = new Set((await this.list()).map((b) => b.hash));
    for (const name of this.shared ? [] : await readdir(this.treesDir)) {
      if (HASH_RE.test(name) && !blobs.has(name)) await this.removeTreeOf(name);
    }
    for (const hash of blobs) {
      await this.locks.run(hash, async () => {
        if ((await this.stat(hash)) === undefined || (await exists(this.unpackedPath(hash)))) return;
        const tree = await mkdtemp(join(this.treesWork, 'adopt-'));
        try {
          await extractZip({ path: this.zipPath(hash) }, join(tree, 'code'), { maxUnzippedBytes: this.maxUnzippedBytes });
          await chmod(join(tree, 'code'), 0o555);
          await rename(join(tree, 'code'), this.unpackedPath(hash));
        } catch (err) {
          this.report(err, `unpacking code ${hash} again from its zip`);
        } finally {
          await removeTree(tree);
        }
      });
    }
    if (this.treesDir !== join(this.dir, 'code') && !this.shared) await removeTree(join(this.dir, 'code'));
    // Until the set is empty with no await in between: a delete after that removes its tree itself.
    for (const hash of this.treeDeletes) {
      this.treeDeletes.delete(hash);
      await this.removeTreeOf(hash);
    }
    this.treesOpen = true;
  }

  /**
   * Moves a validated work directory into place. The metadata goes last: until it is
   * there the blob does not exist, so a crash in between leaves only pieces that the next
   * put of the same bytes replaces. If a rename fails, the pieces already moved are removed.
   */
  private async commit(hash: string, work: string, tree: string): Promise<void> {
    const unpacked = this.unpackedPath(hash);
    const shard = this.shard(hash);
    await mkdir(shard, { recursive: true });
    // A shared directory's tree of this hash may be another node's, complete and in use.
    if (!this.shared) await removeTree(unpacked);
    try {
      // Moving a directory to another parent rewrites its `..` entry, which needs write
      // permission on it: the root is made read-only again once in place.
      await chmod(tree, 0o755);
      if (await this.placeTree(tree, unpacked)) await chmod(unpacked, 0o555);
      // Renames over another node's zip and metadata of the same hash replace equal bytes.
      await rename(join(work, 'code.zip'), this.zipPath(hash));
      await syncDir(dirname(unpacked));
      await rename(join(work, 'blob.json'), this.metaPath(hash));
      await syncDir(shard);
    } catch (err) {
      if (this.shared) throw err;
      await removeTree(this.metaPath(hash));
      await removeTree(this.zipPath(hash));
      await removeTree(unpacked);
      throw err;
    }
  }

  /** Renames a tree into place; false when another node of a shared directory put its tree there first. */
  private async placeTree(tree: string, unpacked: string): Promise<boolean> {
    try {
      await rename(tree, unpacked);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (this.shared && (code === 'ENOTEMPTY' || code === 'EEXIST')) return false;
      throw err;
    }
  }

  private shard(hash: string): string {
    checkHash(hash);
    return join(this.dir, 'zips', hash.slice(0, 2));
  }

  private metaPath(hash: string): string {
    return join(this.shard(hash), `${hash}.json`);
  }

  /** Creates the layout and clears work directories a crashed process left; once. */
  private init(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(join(this.dir, 'zips'), { recursive: true });
      await mkdir(this.tmpDir, { recursive: true });
      // Trees elsewhere are made ready by openTrees.
      if (this.treesWork === this.tmpDir) await mkdir(this.treesDir, { recursive: true });
      for (const name of await readdir(this.tmpDir)) await removeTree(join(this.tmpDir, name));
    })().catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** SHA-256 of a zip, a staged one read as a stream. */
async function sha256(zip: ZipSource): Promise<Buffer> {
  const hash = createHash('sha256');
  if (Buffer.isBuffer(zip)) return hash.update(zip).digest();
  for await (const chunk of createReadStream(zip.path)) hash.update(chunk as Buffer);
  return hash.digest();
}

/** Renames a staged upload into the work directory, read-only and flushed like a written zip. */
async function moveDurably(from: string, to: string): Promise<void> {
  await rename(from, to);
  await chmod(to, 0o444);
  const handle = await open(to, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Hashes become paths: anything but 64 hex digits could point elsewhere. */
function checkHash(hash: string): void {
  if (!HASH_RE.test(hash)) throw new InvalidParameterValueException(`'${hash}' is not a code hash (64 lower-case hex digits).`);
}
