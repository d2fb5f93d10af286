/**
 * Zips a folder in memory for `gust deploy`, the way `zip -r` would for Lambda: paths
 * relative to the folder, Unix permission bits kept (a `bootstrap` must stay
 * executable), symbolic links followed. Entries are sorted and dated 1980-01-01 so that
 * the same files always give the same bytes, and so the same CodeSha256.
 */
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import yazl from 'yazl';
import { ALWAYS_IGNORED, IgnoreList } from './ignore.js';

export interface FolderZip {
  zip: Buffer;
  /** The zipped files' paths, `/`-separated, sorted. */
  files: string[];
}

// Local time on purpose: DOS timestamps are local, and yazl writes them from local fields.
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
const S_IFREG = 0o100000;

async function readIgnoreFile(dir: string): Promise<IgnoreList> {
  try {
    return IgnoreList.parse(await readFile(join(dir, '.gustignore'), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new IgnoreList([]);
    throw err;
  }
}

/** Collects the files to zip with their permission bits, skipping ignored paths. */
async function walk(root: string, rel: string, ignore: IgnoreList, seenDirs: Set<string>, out: Map<string, number>): Promise<void> {
  const abs = rel === '' ? root : join(root, rel);
  // A symbolic link may point back up the tree; each real directory is read once.
  const real = await realpath(abs);
  if (seenDirs.has(real)) return;
  seenDirs.add(real);
  for (const entry of await readdir(abs, { withFileTypes: true })) {
    const relPath = rel === '' ? entry.name : `${rel}/${entry.name}`;
    let isDir = entry.isDirectory();
    let mode = 0;
    if (entry.isSymbolicLink() || !isDir) {
      const st = await stat(join(root, relPath)).catch(() => undefined);
      if (!st) continue; // a dangling link: nothing to ship
      isDir = st.isDirectory();
      if (!isDir && !st.isFile()) continue; // sockets, fifos, devices
      mode = st.mode & 0o777;
    }
    if (ignore.ignores(relPath, isDir)) continue;
    if (isDir) await walk(root, relPath, ignore, seenDirs, out);
    else out.set(relPath, mode);
  }
}

/** Zips `dir`, honouring `.gustignore` and the always-ignored paths. */
export async function zipFolder(dir: string): Promise<FolderZip> {
  const ignore = new IgnoreList(ALWAYS_IGNORED).concat(await readIgnoreFile(dir));
  const found = new Map<string, number>();
  await walk(dir, '', ignore, new Set(), found);
  const files = [...found.keys()].sort();

  const zipfile = new yazl.ZipFile();
  for (const file of files) {
    zipfile.addBuffer(await readFile(join(dir, file)), file, { mtime: FIXED_MTIME, mode: S_IFREG | found.get(file)! });
  }
  zipfile.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zipfile.outputStream) chunks.push(chunk as Buffer);
  return { zip: Buffer.concat(chunks), files };
}
