/**
 * Code storage: what the blob store holds, counted and collected. Function versions
 * ($LATEST included) and layer versions reference code by hash; a hash no version, no
 * layer version and no running environment references is garbage, and a sweep deletes its
 * zip and its unpacked tree. The references are counted from the metadata (not kept as
 * counters beside it), so a crash can never leave a count wrong; a sweep is a scan of the
 * in-memory registry and the layer table.
 *
 * Safety: operations that store code and then commit the version that references it run
 * inside `writing`, and a sweep waits until none is running (and holds new ones back while
 * it deletes), so a package stored for a version about to be committed is never collected
 * in between. Code that environments still run from (a deleted function's invocations in
 * flight) is reported by `inUse` and kept until they stopped; the pool asks for a sweep then.
 *
 * The stored bytes (each package's zip and its unpacked tree, once per hash) count
 * against `limitBytes`: a package that would pass it is refused with AWS's
 * CodeStorageExceededException.
 */
import { CodeStorageExceededException } from '../core/errors.js';
import { zipSize, type BlobStore, type PutOptions, type StoredBlob, type ZipSource } from '../store/blob-store.js';

export interface CodeStorageDeps {
  blobs: BlobStore;
  /** Bytes of stored code (zips and unpacked trees) allowed; AWS's code storage quota is 75 GB. */
  limitBytes: number;
  /** Every hash the metadata references: versions, their layers, layer versions. */
  references: () => Promise<Set<string>>;
  /** Hashes running environments use (they may outlive the version that had them). */
  inUse: () => Iterable<string>;
  /** Where failures of a background sweep go. */
  report: (err: unknown, context: string) => void;
  /**
   * False when the nodes of a cluster share the blob store: a node sees neither another's
   * package between its upload and its commit nor the accounts it has not opened, so no
   * node may delete a package. Counting and the limit still hold, per node. Default true.
   */
  collects?: boolean;
}

/** Lambda's default code-storage quota per region (75 GB). */
export const DEFAULT_CODE_STORAGE_BYTES = 80_530_636_800;

export class CodeStorage {
  private readonly index = new Map<string, StoredBlob>();
  private writers = 0;
  private writersDone: (() => void)[] = [];
  private sweeping: Promise<void> | undefined;
  private again = false;
  private scheduled = false;

  constructor(private readonly deps: CodeStorageDeps) {}

  /** Reads what is stored, then collects what a previous run left unreferenced. */
  async load(): Promise<void> {
    for (const blob of await this.deps.blobs.list()) this.index.set(blob.hash, blob);
    await this.sweep();
  }

  /** Bytes stored: every package's zip and unpacked tree, once per hash. */
  usedBytes(): number {
    let used = 0;
    for (const blob of this.index.values()) used += blob.size + blob.unzippedSize;
    return used;
  }

  get limitBytes(): number {
    return this.deps.limitBytes;
  }

  /**
   * Runs an operation that stores code and commits what references it. Sweeps wait for it
   * (and it waits for a sweep in progress), so its package is not collected in between.
   */
  async writing<T>(fn: () => Promise<T>): Promise<T> {
    while (this.sweeping) await this.sweeping;
    this.writers++;
    try {
      return await fn();
    } finally {
      this.writers--;
      if (this.writers === 0) for (const wake of this.writersDone.splice(0)) wake();
      // A refused request (or a DryRun) may have stored a package nothing references.
      this.schedule();
    }
  }

  /** Stores a package (inside `writing`), refusing it when it would pass the storage limit. */
  async put(zip: ZipSource, options: PutOptions = {}): Promise<StoredBlob> {
    if (this.usedBytes() + zipSize(zip) > this.deps.limitBytes) throw this.exceeded();
    return this.admit(await this.deps.blobs.put(zip, options));
  }

  /** Asks for a sweep soon; several asks in a row make one sweep. */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.sweep().catch((err: unknown) => this.deps.report(err, 'collecting unused code'));
    });
  }

  /** Deletes every stored package nothing references; resolves when done. */
  sweep(): Promise<void> {
    if (this.sweeping) {
      this.again = true;
      return this.sweeping;
    }
    this.sweeping = this.collect().finally(() => {
      this.sweeping = undefined;
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    });
    return this.sweeping;
  }

  private async collect(): Promise<void> {
    if (this.deps.collects === false) return;
    if (this.writers > 0) await new Promise<void>((wake) => this.writersDone.push(wake));
    const live = await this.deps.references();
    for (const hash of this.deps.inUse()) live.add(hash);
    for (const hash of [...this.index.keys()]) {
      if (live.has(hash)) continue;
      await this.deps.blobs.delete(hash);
      this.index.delete(hash);
    }
  }

  /** A package just stored: kept when it fits, deleted again (and refused) when it does not. */
  private async admit(blob: StoredBlob): Promise<StoredBlob> {
    // Stored before (the same code again): it costs nothing more.
    if (this.index.has(blob.hash)) return blob;
    if (this.usedBytes() + blob.size + blob.unzippedSize > this.deps.limitBytes) {
      // Another node may have put the same package for a version of its own.
      if (this.deps.collects !== false) await this.deps.blobs.delete(blob.hash);
      throw this.exceeded();
    }
    this.index.set(blob.hash, blob);
    return blob;
  }

  private exceeded(): CodeStorageExceededException {
    return new CodeStorageExceededException(
      `Code storage limit exceeded. Gust stores at most ${this.deps.limitBytes} bytes of code (packages and their unpacked files, --code-storage-limit-bytes); ${this.usedBytes()} are in use. Delete unused functions, versions or layers.`,
    );
  }
}
