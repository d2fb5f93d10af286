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
   * is a no-op that returns the same result.
   */
  put(zip: Buffer, options?: PutOptions): Promise<StoredBlob>;
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
