/**
 * Where the cgroup hierarchies are and where Gust sits in each: parsed from
 * /proc/self/mountinfo (which mounts are cgroup v1 or v2, with which controllers) and
 * /proc/self/cgroup (Gust's own cgroup in each hierarchy). Pure parsing, so the v1, v2 and
 * hybrid layouts are unit-tested from text.
 */
import { posix } from 'node:path';

/** One mounted hierarchy and Gust's own cgroup directory in it. */
export interface Hierarchy {
  version: 1 | 2;
  mountPoint: string;
  /** v1: the controllers bound to this mount (`cpu`, `cpuacct`, …); v2: empty (read `cgroup.controllers`). */
  controllers: readonly string[];
  /** Absolute directory of the cgroup Gust runs in, inside this mount. */
  ownDir: string;
}

interface CgroupMount {
  version: 1 | 2;
  root: string;
  mountPoint: string;
  controllers: string[];
}

/** Mountinfo escapes spaces, tabs, newlines and backslashes as octal. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** The cgroup mounts of a mountinfo text (proc(5)). */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 6) continue;
    const fsType = fields[dash + 1];
    const root = unescape(fields[3]!);
    const mountPoint = unescape(fields[4]!);
    if (fsType === 'cgroup2') mounts.push({ version: 2, root, mountPoint, controllers: [] });
    else if (fsType === 'cgroup') {
      const superOptions = (fields[dash + 3] ?? '').split(',');
      // The super options list the bound controllers among rw/relatime/name=… and friends.
      const controllers = superOptions.filter((o) => /^[a-z_]+$/.test(o) && !NON_CONTROLLER_OPTIONS.has(o));
      mounts.push({ version: 1, root, mountPoint, controllers });
    }
  }
  return mounts;
}

const NON_CONTROLLER_OPTIONS = new Set(['rw', 'ro', 'relatime', 'noatime', 'nosuid', 'nodev', 'noexec', 'xattr', 'noprefix', 'clone_children', 'cpuset_v2_mode', 'favordynmods', 'nsdelegate', 'memory_recursiveprot', 'memory_localevents', 'memory_hugetlb_accounting']);

/** `/proc/self/cgroup`: controller list (empty for v2) → path. */
export function parseOwnCgroups(text: string): { controllers: string[]; path: string }[] {
  const out: { controllers: string[]; path: string }[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    out.push({ controllers: m[2] === '' ? [] : m[2]!.split(','), path: m[3]! });
  }
  return out;
}

/**
 * Joins the two: each mounted hierarchy (one per v1 controller set, and the v2 one) with
 * Gust's cgroup directory in it. A mount whose root does not contain Gust's cgroup (a
 * container that sees only part of the tree) is left out; so is a second mount of the same
 * hierarchy.
 */
export function findHierarchies(mountinfo: string, ownCgroups: string): Hierarchy[] {
  const own = parseOwnCgroups(ownCgroups);
  const out: Hierarchy[] = [];
  const seen = new Set<string>();
  for (const mount of parseCgroupMounts(mountinfo)) {
    const key = mount.version === 2 ? 'v2' : [...mount.controllers].sort().join(',');
    if (seen.has(key)) continue;
    const entry =
      mount.version === 2
        ? own.find((o) => o.controllers.length === 0)
        : own.find((o) => o.controllers.length > 0 && o.controllers.some((c) => mount.controllers.includes(c)));
    if (!entry) continue;
    const rel = posix.relative(mount.root, entry.path);
    if (rel.startsWith('..')) continue;
    seen.add(key);
    out.push({ version: mount.version, mountPoint: mount.mountPoint, controllers: mount.controllers, ownDir: posix.join(mount.mountPoint, rel) });
  }
  return out;
}
