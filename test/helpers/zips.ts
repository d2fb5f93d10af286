/**
 * Zips made at test time with yazl: function code from a map of files, exact entry lists
 * (order, directories, links, duplicates) for the store's tests, and byte-level patches for
 * the hostile zips yazl refuses to write. Every entry has the same time, so equal inputs
 * make equal zips.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import yazl from 'yazl';

/** The time of every entry. */
const ENTRY_TIME = new Date(0);

/** One entry of a test zip. Directories end with '/'. */
export interface ZipEntry {
  name: string;
  data?: string | Buffer;
  /** Unix mode including the file type, as `ls -l` would show it (e.g. 0o100755). */
  mode?: number;
  compress?: boolean;
}

/** A file of a zip: its text, or its content and Unix mode (`bootstrap` needs 0o100755). */
export type ZipFiles = Record<string, string | { content: string | Buffer; mode: number }>;

/** A handler that answers with its event: the default code of a function made for a test. */
export const ECHO_HANDLER = 'exports.handler = async (e) => e;\n';

/** A zip holding `files` (default: `index.js` with {@link ECHO_HANDLER}), each 0o100644 unless given a mode. */
export function makeZip(files: ZipFiles = { 'index.js': ECHO_HANDLER }): Promise<Buffer> {
  return zipEntries(
    Object.entries(files).map(([name, file]) => (typeof file === 'string' ? { name, data: file, mode: 0o100644 } : { name, data: file.content, mode: file.mode })),
  );
}

/** A zip of `entries`, in order. */
export function zipEntries(entries: ZipEntry[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    const options = { mtime: ENTRY_TIME, ...(e.mode === undefined ? {} : { mode: e.mode }) };
    if (e.name.endsWith('/')) {
      zip.addEmptyDirectory(e.name, options);
    } else {
      const data = typeof e.data === 'string' ? Buffer.from(e.data) : (e.data ?? Buffer.alloc(0));
      zip.addBuffer(data, e.name, { ...options, compress: e.compress ?? true });
    }
  }
  return finish(zip);
}


/** A symbolic link entry: the target is the entry's content, the type is in its mode. */
export function link(name: string, target: string): ZipEntry {
  return { name, data: target, mode: 0o120777 };
}

/** A zip with one entry of `bytes` zeros, streamed so the test never holds them in memory. */
export function zerosZip(name: string, bytes: number): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const chunk = Buffer.alloc(1024 * 1024);
  async function* zeros() {
    for (let left = bytes; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
  }
  zip.addReadStream(Readable.from(zeros()), name, { mtime: ENTRY_TIME, size: bytes, compressionLevel: 1 });
  return finish(zip);
}

/**
 * Replaces every occurrence of the name `from` (in local and central headers) by `to`, of
 * the same byte length: how the tests make `../evil` and `/etc/x`, which yazl refuses.
 */
export function renameEntry(zip: Buffer, from: string, to: string): Buffer {
  const a = Buffer.from(from);
  const b = Buffer.from(to);
  if (a.length !== b.length) throw new Error('renameEntry needs names of equal length');
  const out = Buffer.from(zip);
  let hits = 0;
  for (let i = out.indexOf(a); i >= 0; i = out.indexOf(a, i + 1)) {
    b.copy(out, i);
    hits++;
  }
  if (hits === 0) throw new Error(`no entry named ${from}`);
  return out;
}

/** Overwrites the uncompressed size that the central directory states for every entry (a lying header). */
export function claimUncompressedSize(zip: Buffer, size: number): Buffer {
  const out = Buffer.from(zip);
  for (let i = out.indexOf(CENTRAL_SIGNATURE); i >= 0; i = out.indexOf(CENTRAL_SIGNATURE, i + 4)) out.writeUInt32LE(size, i + 24);
  return out;
}
const CENTRAL_SIGNATURE = Buffer.from([0x50, 0x4b, 0x01, 0x02]);

/** Every path under `dir` (relative, sorted), with its type and permission bits. */
export async function listTree(dir: string): Promise<{ path: string; type: 'dir' | 'file' | 'link'; mode: number }[]> {
  const out: { path: string; type: 'dir' | 'file' | 'link'; mode: number }[] = [];
  async function walk(rel: string): Promise<void> {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const st = await lstat(join(dir, path));
      const type = st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : 'file';
      out.push({ path, type, mode: st.mode & 0o777 });
      if (type === 'dir') await walk(path);
    }
  }
  await walk('');
  return out;
}

function finish(zip: yazl.ZipFile): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.end();
  });
}
