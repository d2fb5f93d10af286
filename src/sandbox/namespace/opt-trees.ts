/**
 * How a function's layers become one read-only `/opt`. Lambda extracts the layers into
 * /opt in the function's order, so a later layer's file replaces an earlier one's and
 * directories merge. bubblewrap has no overlay mount in the version Debian ships, and
 * planning the merge as one bind mount per overlapping entry made thousands of mounts for
 * two large package layers (3,000 files under one `python/`), which no sandbox survived.
 * So the merge is done once per ordered set of layers, into a tree of hard links to the
 * layers' own unpacked files (no byte is copied) under the driver's state directory, and
 * that tree is bound as /opt: one mount, however many entries. One layer is bound as it is.
 *
 * A tree is built beside its final name and renamed into place, so a crash leaves no half
 * tree; it is reused across restarts. A `.sources` file beside it names the layer
 * directories it links to: once one of them is gone (its layer version deleted and its
 * code collected), the tree goes too, at the next build or start, so that its links do not
 * keep the deleted layer's bytes on disk.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { link, lstat, mkdir, readdir, readlink, rename, rm, symlink, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';

const SOURCES = '.sources';
const BUILDING = '.building-';

export class OptTrees {
  /** Builds in progress, by tree name: two cold starts of one set share one build. */
  private readonly building = new Map<string, Promise<string>>();

  private constructor(private readonly dir: string) {}

  /** Opens the trees under `dir`, removing half-built ones and those whose layers are gone. */
  static open(dir: string): OptTrees {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const trees = new OptTrees(dir);
    trees.sweep();
    return trees;
  }

  /** The host directory to bind as /opt for `layerDirs` (in the function's order); undefined for none. */
  async treeFor(layerDirs: readonly string[]): Promise<string | undefined> {
    if (layerDirs.length === 0) return undefined;
    if (layerDirs.length === 1) return layerDirs[0];
    const name = createHash('sha256').update(layerDirs.join('\0')).digest('hex').slice(0, 32);
    const tree = join(this.dir, name);
    if (existsSync(tree)) return tree;
    let build = this.building.get(name);
    if (!build) {
      build = this.build(layerDirs, tree).finally(() => this.building.delete(name));
      this.building.set(name, build);
    }
    return build;
  }

  private async build(layerDirs: readonly string[], tree: string): Promise<string> {
    const temp = `${tree}${BUILDING}${randomBytes(4).toString('hex')}`;
    try {
      await mkdir(temp, { mode: 0o755 });
      await mergeInto(layerDirs, temp);
      await writeFile(`${tree}${SOURCES}`, JSON.stringify(layerDirs));
      await rename(temp, tree);
    } catch (err) {
      await rm(temp, { recursive: true, force: true });
      throw err;
    }
    this.sweep();
    return tree;
  }

  /** Removes half-built trees (of a killed server) and trees whose layers are gone. */
  private sweep(): void {
    for (const entry of readdirSync(this.dir)) {
      const path = join(this.dir, entry);
      if (entry.includes(BUILDING)) {
        if (!this.building.has(entry.slice(0, entry.indexOf(BUILDING)))) rmSync(path, { recursive: true, force: true });
        continue;
      }
      if (!entry.endsWith(SOURCES)) continue;
      let sources: string[];
      try {
        sources = JSON.parse(readFileSync(path, 'utf8')) as string[];
      } catch {
        sources = [];
      }
      if (sources.length > 0 && sources.every((s) => existsSync(s))) continue;
      rmSync(path.slice(0, -SOURCES.length), { recursive: true, force: true });
      rmSync(path, { force: true });
    }
  }
}

/**
 * Merges `dirs` into `dest` as Lambda's extraction would: for each name, the last layer
 * that has it wins; directories merge with the directories of the layers after the last
 * one that has a file (or link) of that name; files are hard links, links are copied.
 */
async function mergeInto(dirs: readonly string[], dest: string): Promise<void> {
  const names = new Set<string>();
  for (const d of dirs) for (const n of await readdir(d)) names.add(n);
  for (const name of [...names].sort()) {
    const owners: { path: string; dir: boolean; link: boolean }[] = [];
    for (const d of dirs) {
      const path = join(d, name);
      try {
        const stat = await lstat(path);
        owners.push({ path, dir: stat.isDirectory(), link: stat.isSymbolicLink() });
      } catch {
        // This layer does not have it.
      }
    }
    const winner = owners[owners.length - 1]!;
    const target = join(dest, name);
    if (winner.link) await symlink(await readlink(winner.path), target);
    else if (!winner.dir) await linkFile(winner.path, target);
    else {
      await mkdir(target, { mode: 0o755 });
      const lastOther = owners.findLastIndex((o) => !o.dir);
      await mergeInto(owners.slice(lastOther + 1).map((o) => o.path), target);
    }
  }
}

/** A hard link to `source`, or a copy where the two are on different filesystems. */
async function linkFile(source: string, target: string): Promise<void> {
  try {
    await link(source, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(source, target);
  }
}
