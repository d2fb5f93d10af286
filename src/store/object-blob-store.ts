/**
 * The ObjectBlobStore keeps the bytes of S3 objects and multipart parts, content-addressed
 * by SHA-256. An upload is staged first (streamed to a file while every digest S3 may be
 * asked for is computed), checked by the caller, then committed under its hash or
 * discarded: the bytes are never held in memory whole.
 */
import type { Readable } from 'node:stream';

/** An upload streamed to the store's staging area, with its digests. */
export interface StagedObject {
  readonly path: string;
  readonly size: number;
  readonly sha256: Buffer;
  readonly md5: Buffer;
  /** CRC-32 as an unsigned number. */
  readonly crc32: number;
  /** CRC-32C, when asked for (it costs a pass in JavaScript). */
  readonly crc32c?: number;
}

export interface StageOptions {
  crc32c?: boolean;
  /** Refuse (with this error) once more than `maxBytes` arrive. */
  maxBytes?: number;
  tooLarge?: () => Error;
}

export interface ObjectBlobStore {
  /** Streams `source` to a staged file; a source that throws leaves nothing behind. */
  stage(source: AsyncIterable<Uint8Array>, options?: StageOptions): Promise<StagedObject>;
  /** Moves a staged file under its hash (a no-op if those bytes are stored) and returns the hash. */
  commit(staged: StagedObject): Promise<string>;
  /** Removes a staged file that will not be committed. */
  discard(staged: StagedObject): Promise<void>;
  /** Bytes `start`..`end` (inclusive) of stored bytes, as a stream. */
  read(hash: string, range?: { start: number; end: number }): Readable;
  /** Removes stored bytes nothing references any more. */
  delete(hash: string): Promise<void>;
}
