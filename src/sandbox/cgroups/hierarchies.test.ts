import { describe, expect, it } from 'vitest';
import { findHierarchies, parseCgroupMounts } from './hierarchies.js';

// Mountinfo lines as the kernel writes them (proc(5)), for the three layouts Gust must handle.
const V1 = [
  '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct',
  '33 31 0:30 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '34 31 0:31 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
  '35 31 0:32 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer',
  '36 31 0:33 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd',
];
const V2 = '30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot';
const HYBRID_V2 = '37 31 0:34 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw';
const OWN_V1 = ['5:freezer:/', '4:pids:/user.slice', '3:memory:/user.slice/gust.service', '2:cpu,cpuacct:/', '1:name=systemd:/x', '0::/'].join('\n');

describe('parseCgroupMounts', () => {
  it('reads the controllers of each v1 mount and skips options and named hierarchies', () => {
    expect(parseCgroupMounts(V1.join('\n')).map((m) => m.controllers)).toEqual([['cpu', 'cpuacct'], ['memory'], ['pids'], ['freezer'], []]);
  });

  it('unescapes octal escapes in mount points', () => {
    expect(parseCgroupMounts('30 23 0:26 / /mnt/my\\040cgroup rw - cgroup2 cgroup2 rw')[0]!.mountPoint).toBe('/mnt/my cgroup');
  });
});

describe('findHierarchies', () => {
  it('v1: one hierarchy per controller set, with Gust\'s own cgroup in each', () => {
    const h = findHierarchies(V1.join('\n'), OWN_V1);
    expect(h.map((x) => [x.version, x.controllers.join(','), x.ownDir])).toEqual([
      [1, 'cpu,cpuacct', '/sys/fs/cgroup/cpu,cpuacct'],
      [1, 'memory', '/sys/fs/cgroup/memory/user.slice/gust.service'],
      [1, 'pids', '/sys/fs/cgroup/pids/user.slice'],
      [1, 'freezer', '/sys/fs/cgroup/freezer'],
    ]);
  });

  it('v2: the unified hierarchy, Gust\'s cgroup from the 0:: line', () => {
    expect(findHierarchies(V2, '0::/system.slice/gust.service')).toEqual([{ version: 2, mountPoint: '/sys/fs/cgroup', controllers: [], ownDir: '/sys/fs/cgroup/system.slice/gust.service' }]);
  });

  it('hybrid: v1 controllers and the unified mount side by side', () => {
    const h = findHierarchies([...V1, HYBRID_V2].join('\n'), OWN_V1);
    expect(h.map((x) => x.version)).toEqual([1, 1, 1, 1, 2]);
    expect(h.at(-1)!.ownDir).toBe('/sys/fs/cgroup/unified');
  });

  it('a container mount whose root is Gust\'s own cgroup maps it to the mount point; one that does not contain it is left out', () => {
    const mount = '40 39 0:26 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw';
    expect(findHierarchies(mount, '0::/docker/abc/gust')[0]!.ownDir).toBe('/sys/fs/cgroup/gust');
    expect(findHierarchies(mount, '0::/other')).toEqual([]);
  });
});
