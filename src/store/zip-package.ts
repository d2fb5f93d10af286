/**
 * Safe extraction of a deployment package. A zip comes from the user, so nothing in it is
 * trusted: names are checked against the package root (zip-paths.ts), sizes are counted
 * from the bytes actually written rather than taken from headers, symbolic links must
 * resolve inside the package, and the result is read-only. Anything that fails leaves no
 * trace: the destination is removed before the refusal is thrown.
 */
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { InvalidParameterValueException, LambdaError, RequestTooLargeException } from '../core/errors.js';
import { LIMITS } from '../core/limits.js';
import { removeTree } from './fs-tree.js';
import { PackageTree, badEntry, normaliseEntryName, unzipFailed } from './zip-paths.js';

/** Limits of one extraction. */
export interface ExtractOptions {
  /** Refuse once more than this many bytes have been written. Default LIMITS.unzippedCodeBytes. */
  maxUnzippedBytes?: number;
}

/** What an extraction produced. */
export interface ExtractResult {
  /** Bytes written: file contents plus symlink targets. */
  unzippedSize: number;
  /** Regular files written. */
  files: number;
}

/**
 * AWS states the direct-upload limit on the base64-encoded request body, so its message
 * names ceil(50 MiB × 4/3) = 69905067 bytes while the zip itself may hold 50 MiB.
 */
const MAX_REQUEST_BYTES = Math.ceil((LIMITS.zippedCodeBytes * 4) / 3);

/** The refusal of a zip over LIMITS.zippedCodeBytes, worded as AWS words it for `operation`. */
export function zipTooLarge(operation = 'CreateFunction'): RequestTooLargeException {
  return new RequestTooLargeException(`Request must be smaller than ${MAX_REQUEST_BYTES} bytes for the ${operation} operation`);
}

/** The refusal of a package that unpacks to more than `limit` bytes. */
export function unzippedTooLarge(limit: number): InvalidParameterValueException {
  return new InvalidParameterValueException(`Unzipped size must be smaller than ${limit} bytes`);
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
/** Longer symlink targets than Linux's PATH_MAX cannot be created anyway. */
const MAX_LINK_TARGET_BYTES = 4095;

// Declared here because @types/yauzl lags yauzl 3: with decodeStrings off, names arrive as
// raw bytes and this (documented) function decodes them as yauzl would, without yauzl's
// own name check, whose error message would not say which entry failed.
const getFileNameLowLevel = (yauzl as unknown as {
  getFileNameLowLevel(flags: number, name: Buffer, extraFields: yauzl.Entry['extraFields'], strictFileNames: boolean): string;
}).getFileNameLowLevel;

/**
 * Extracts `zip` into `dest`, which must not exist yet (its parent must). Directories end
 * up 0555 (the root included), files 0444, or 0555 when the entry's Unix mode has an
 * execute bit (a `bootstrap` stays runnable). Symlinks inside the package are recreated.
 * Throws InvalidParameterValueException for a zip that is invalid, escapes the package
 * or unpacks to more than the limit; on any error `dest` is removed.
 */
export async function extractZip(zip: Buffer | { path: string }, dest: string, options: ExtractOptions = {}): Promise<ExtractResult> {
  const limit = options.maxUnzippedBytes ?? LIMITS.unzippedCodeBytes;
  await mkdir(dest, { mode: 0o755 });
  try {
    return await extractInto(zip, dest, limit);
  } catch (err) {
    await removeTree(dest);
    throw asZipError(err);
  }
}

async function extractInto(zip: Buffer | { path: string }, dest: string, limit: number): Promise<ExtractResult> {
  const zipfile = await openZip(zip);
  const next = entryReader(zipfile);
  const tree = new PackageTree();
  const made = new Set<string>(['']);
  const linkNames = new Map<string, string>();
  let written = 0;
  let files = 0;

  const count = (bytes: number) => {
    written += bytes;
    if (written > limit) throw unzippedTooLarge(limit);
  };
  const ensureDir = async (path: string) => {
    if (made.has(path)) return;
    await mkdir(join(dest, path), { recursive: true, mode: 0o755 });
    let p = path;
    while (p !== '' && !made.has(p)) {
      made.add(p);
      p = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
    }
  };

  try {
    for (let entry = await next(); entry; entry = await next()) {
      const name = getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileName as unknown as Buffer, entry.extraFields, true);
      const { path, isDir } = normaliseEntryName(name);
      const mode = entry.externalFileAttributes >>> 16;
      const type = mode & S_IFMT;

      if (isDir || type === S_IFDIR) {
        tree.add(path, 'dir', name);
        await ensureDir(path);
      } else if (type === S_IFLNK) {
        if (path === '') throw badEntry(name, 'is not a valid symbolic link');
        const target = await readLinkTarget(zipfile, entry, name);
        count(Buffer.byteLength(target));
        // Created after every file is written, so no file is ever written through a link.
        tree.add(path, 'link', name, target);
        linkNames.set(path, name);
      } else {
        if (path === '') throw badEntry(name, 'is not a valid file name');
        tree.add(path, 'file', name);
        // Refuse on the header before inflating anything; the real count below still
        // decides, since a header may lie.
        if (written + entry.uncompressedSize > limit) throw unzippedTooLarge(limit);
        await ensureDir(parentOf(path));
        const file = join(dest, path);
        await pipeline(await openStream(zipfile, entry), counter(count), createWriteStream(file, { flags: 'wx', mode: 0o600 }));
        await chmod(file, mode & 0o111 ? 0o555 : 0o444);
        files++;
      }
    }
  } finally {
    zipfile.close();
  }

  for (const [path, target] of tree.links()) {
    if (!tree.linkStaysInside(path)) throw badEntry(linkNames.get(path) ?? path, `is a symbolic link to '${target}', outside the package`);
    await ensureDir(parentOf(path));
    await symlink(target, join(dest, path));
  }
  for (const dir of tree.directoriesDeepestFirst()) await chmod(join(dest, dir), 0o555);
  return { unzippedSize: written, files };
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/**
 * Errors from the zip's own content (yauzl's format checks, zlib's inflate errors) become
 * the user's refusal; errors of our file system (ENOSPC, EACCES, …) carry a `syscall` and
 * pass through as Gust's own failure.
 */
function asZipError(err: unknown): unknown {
  if (err instanceof LambdaError) return err;
  if (err instanceof Error && 'syscall' in err) return err;
  return unzipFailed();
}

/** A zip in memory, or in a file (read where yauzl needs it, never whole). */
function openZip(zip: Buffer | { path: string }): Promise<yauzl.ZipFile> {
  const options = { lazyEntries: true, validateEntrySizes: true, decodeStrings: false, autoClose: false };
  return new Promise((resolve, reject) => {
    const opened = (err: Error | null, zipfile: yauzl.ZipFile) => {
      if (err) reject(unzipFailed());
      else resolve(zipfile);
    };
    if (Buffer.isBuffer(zip)) yauzl.fromBuffer(zip, options, opened);
    else yauzl.open(zip.path, options, opened);
  });
}

/** One entry per call, undefined at the end; yauzl's events as a pull API. */
function entryReader(zipfile: yauzl.ZipFile): () => Promise<yauzl.Entry | undefined> {
  let waiting: { resolve(e: yauzl.Entry | undefined): void; reject(err: unknown): void } | undefined;
  let failure: unknown;
  const settle = (fn: (w: NonNullable<typeof waiting>) => void) => {
    const w = waiting;
    waiting = undefined;
    if (w) fn(w);
  };
  zipfile.on('entry', (e: yauzl.Entry) => settle((w) => w.resolve(e)));
  zipfile.on('end', () => settle((w) => w.resolve(undefined)));
  zipfile.on('error', (err: unknown) => {
    failure = err;
    settle((w) => w.reject(err));
  });
  return () =>
    new Promise((resolve, reject) => {
      if (failure !== undefined) return reject(failure);
      waiting = { resolve, reject };
      zipfile.readEntry();
    });
}

function openStream(zipfile: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zipfile.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream)));
  });
}

/** A pass-through that reports every chunk's size; `count` throws to stop the copy. */
function counter(count: (bytes: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        count(chunk.length);
        callback(null, chunk);
      } catch (err) {
        callback(err as Error);
      }
    },
  });
}

async function readLinkTarget(zipfile: yauzl.ZipFile, entry: yauzl.Entry, name: string): Promise<string> {
  if (entry.uncompressedSize > MAX_LINK_TARGET_BYTES) throw badEntry(name, 'is a symbolic link with a target that is too long');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of await openStream(zipfile, entry)) {
    size += (chunk as Buffer).length;
    if (size > MAX_LINK_TARGET_BYTES) throw badEntry(name, 'is a symbolic link with a target that is too long');
    chunks.push(chunk as Buffer);
  }
  const target = Buffer.concat(chunks).toString('utf8');
  if (target === '' || target.includes('\0')) throw badEntry(name, 'is a symbolic link without a valid target');
  return target;
}
