/**
 * The ObjectBlobStore on a local file system:
 *
 *   <dir>/<hash[0..2]>/<hash>   the bytes, read-only, named by their SHA-256
 *   <dir>/tmp/                  uploads being staged (`tmp/<node>/` for a cluster's node)
 *
 * A staged file is fsynced before it is renamed into place, and the rename's directory
 * after it, so that bytes whose metadata committed survive a power loss. Staging files a
 * crash left behind are cleared when the store is first used: this process's own, as the
 * nodes of a cluster share the directory (`--blob-dir`) and each stages in its own.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { crc32c } from '../core/crc32c.js';
import { syncDir } from './fs-tree.js';
import type { ObjectBlobStore, StagedObject, StageOptions } from './object-blob-store.js';

const HASH_RE = /^[0-9a-f]{64}$/;

/** An ObjectBlobStore in a directory of the local file system. */
export class FsObjectBlobStore implements ObjectBlobStore {
  private readonly dir: string;
  private readonly tmpDir: string;
  private ready: Promise<void> | undefined;

  /** `dir` is created on first use; `node` names a cluster node's staging directory. */
  constructor(dir: string, options: { node?: string } = {}) {
    this.dir = resolve(dir);
    this.tmpDir = options.node === undefined ? join(this.dir, 'tmp') : join(this.dir, 'tmp', options.node);
  }

  async stage(source: AsyncIterable<Uint8Array>, options: StageOptions = {}): Promise<StagedObject> {
    await this.init();
    const path = join(this.tmpDir, `put-${randomBytes(12).toString('hex')}`);
    const file = await open(path, 'wx', 0o600);
    const sha = createHash('sha256');
    const md5 = createHash('md5');
    let crc = 0;
    let crcC = 0;
    let size = 0;
    try {
      for await (const chunk of source) {
        size += chunk.length;
        if (options.maxBytes !== undefined && size > options.maxBytes) throw options.tooLarge?.() ?? new Error('too large');
        sha.update(chunk);
        md5.update(chunk);
        crc = crc32(chunk, crc);
        if (options.crc32c) crcC = crc32c(chunk, crcC);
        await file.write(chunk);
      }
      await file.sync();
    } catch (err) {
      await file.close();
      await rm(path, { force: true });
      throw err;
    }
    await file.close();
    return { path, size, sha256: sha.digest(), md5: md5.digest(), crc32: crc, ...(options.crc32c ? { crc32c: crcC } : {}) };
  }

  async commit(staged: StagedObject): Promise<string> {
    const hash = staged.sha256.toString('hex');
    const shard = join(this.dir, hash.slice(0, 2));
    const target = join(shard, hash);
    if (await exists(target)) {
      await rm(staged.path, { force: true });
      return hash;
    }
    await mkdir(shard, { recursive: true });
    await chmod(staged.path, 0o444);
    await rename(staged.path, target);
    await syncDir(shard);
    return hash;
  }

  async discard(staged: StagedObject): Promise<void> {
    await rm(staged.path, { force: true });
  }

  read(hash: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.pathOf(hash), range ?? {});
  }

  async delete(hash: string): Promise<void> {
    await rm(this.pathOf(hash), { force: true });
  }

  private pathOf(hash: string): string {
    // Hashes become paths: anything but 64 hex digits could point elsewhere.
    if (!HASH_RE.test(hash)) throw new Error(`'${hash}' is not an object hash`);
    return join(this.dir, hash.slice(0, 2), hash);
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(this.tmpDir, { recursive: true });
      for (const name of await readdir(this.tmpDir, { withFileTypes: true })) if (name.isFile()) await rm(join(this.tmpDir, name.name), { force: true });
    })().catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
