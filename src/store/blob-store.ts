/**
 * The BlobStore keeps code packages (function and layer zips) content-addressed by
 * SHA-256, and unpacks each hash once into a read-only directory that every version
 * with that code shares.
 */

export interface StoredBlob {
  /** Hex SHA-256 of the zip bytes; the key. */
  hash: string;
  /** Base64 of the same digest: AWS's CodeSha256. */
  sha256Base64: string;
  /** Zip size in bytes: AWS's CodeSize. */
  size: number;
  /** Total size of the unpacked files, counted while extracting. */
  unzippedSize: number;
}

/**
 * A zip the HTTP layer streamed into a file of the store's staging directory
 * (`BlobStore.stagingPath()`), so that an upload is never held in memory whole.
 */
export interface StagedZip {
  readonly path: string;
  readonly size: number;
}

/** A zip to store: bytes in memory, or a staged file. */
export type ZipSource = Buffer | StagedZip;

/** The size in bytes of a zip to store. */
export function zipSize(zip: ZipSource): number {
  return Buffer.isBuffer(zip) ? zip.length : zip.size;
}

/** Optional context for `BlobStore.put`. */
export interface PutOptions {
  /**
   * The API operation storing the zip, named in AWS's RequestTooLargeException message
   * (`CreateFunction`, `UpdateFunctionCode`, `PublishLayerVersion`). Default `CreateFunction`.
   */
  operation?: string;
}

export interface BlobStore {
  /**
   * Validates and stores a zip. Refuses (with an InvalidParameterValueException or
   * RequestTooLargeException, writing nothing) anything that is not a zip, entries that
   * escape the package, and packages over the size limits. Storing the same bytes twice
   * is a no-op that returns the same result. A staged file is the store's from then on:
   * moved into place or removed.
   */
  put(zip: ZipSource, options?: PutOptions): Promise<StoredBlob>;
  /** A fresh path in the store's staging directory (same disk) for an upload to stream into. */
  stagingPath(): string;
  /** Whether the hash is stored. */
  has(hash: string): Promise<boolean>;
  /** Metadata of a stored zip, or undefined. */
  stat(hash: string): Promise<StoredBlob | undefined>;
  /** Absolute path of the stored zip file (for streaming downloads). */
  zipPath(hash: string): string;
  /** Absolute path of the read-only directory holding the unpacked package. */
  unpackedPath(hash: string): string;
  /** Every stored blob (what the code collector accounts for and sweeps). */
  list(): Promise<StoredBlob[]>;
  /** Removes a blob that no version or layer references any more. */
  delete(hash: string): Promise<void>;
}
