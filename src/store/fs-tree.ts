/**
 * File-system helpers of the blob store: removing the read-only trees that extraction
 * leaves, and writes that survive a power cut.
 */
import { chmod, lstat, open, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * Removes a file or a directory tree, including read-only ones: unlinking needs write
 * permission on the containing directory, so directories are made writable first (links
 * are never followed). A missing path is not an error.
 */
export async function removeTree(path: string): Promise<void> {
  await makeDirsWritable(path);
  await rm(path, { recursive: true, force: true });
}

async function makeDirsWritable(path: string): Promise<void> {
  let stats;
  try {
    stats = await lstat(path);
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  if (!stats.isDirectory()) return;
  await chmod(path, 0o755);
  for (const name of await readdir(path)) await makeDirsWritable(join(path, name));
}

/** Creates `path` (which must not exist) with `data`, flushed to disk before returning. */
export async function writeFileDurably(path: string, data: Buffer | string): Promise<void> {
  const handle = await open(path, 'wx', 0o444);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a directory, so the renames into it survive a power cut. */
export async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Reads a file, or undefined if it does not exist. */
export async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
