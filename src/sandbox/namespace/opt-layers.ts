/**
 * How a function's layers become one read-only `/opt`. Lambda extracts the layers into
 * /opt in the function's order, so a later layer's file replaces an earlier one's and
 * directories merge. bubblewrap has no overlay mount in the version Debian ships, so the
 * merge is planned here as bind mounts: where only one layer has an entry, that entry is
 * bound whole; where several layers have a directory of the same name, the directory is
 * created and planned one level deeper; a file, or a directory that meets a file, comes
 * from the last layer that has it. Layers are usually a few top-level directories
 * (`nodejs`, `python`, `bin`, `lib`), so the plan is a handful of mounts.
 */
import { lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';

export type OptMount =
  | { kind: 'bind'; source: string; dest: string }
  | { kind: 'dir'; dest: string }
  | { kind: 'symlink'; target: string; dest: string };

/** The mounts that build `dest` (normally `/opt`) from `layerDirs`, in the order to apply them. */
export function planOptMounts(layerDirs: readonly string[], dest = '/opt'): OptMount[] {
  if (layerDirs.length === 0) return [{ kind: 'dir', dest }];
  if (layerDirs.length === 1) return [{ kind: 'bind', source: layerDirs[0]!, dest }];
  const out: OptMount[] = [{ kind: 'dir', dest }];
  planDir(layerDirs, dest, out);
  return out;
}

function planDir(dirs: readonly string[], dest: string, out: OptMount[]): void {
  const names = new Set<string>();
  for (const d of dirs) for (const n of readdirSync(d)) names.add(n);
  for (const name of [...names].sort()) {
    const owners: { path: string; stat: Stats }[] = [];
    for (const d of dirs) {
      const path = join(d, name);
      try {
        owners.push({ path, stat: lstatSync(path) });
      } catch {
        // This layer does not have it.
      }
    }
    const winner = owners[owners.length - 1]!;
    const target = join(dest, name);
    if (winner.stat.isSymbolicLink()) {
      out.push({ kind: 'symlink', target: readlinkSync(winner.path), dest: target });
      continue;
    }
    // Directories merge only with the directories above the last non-directory.
    const lastOther = owners.findLastIndex((o) => !o.stat.isDirectory());
    const mergeable = owners.slice(lastOther + 1);
    if (!winner.stat.isDirectory() || mergeable.length === 1) {
      out.push({ kind: 'bind', source: winner.path, dest: target });
    } else {
      out.push({ kind: 'dir', dest: target });
      planDir(mergeable.map((o) => o.path), target, out);
    }
  }
}
