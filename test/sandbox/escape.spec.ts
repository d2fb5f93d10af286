/**
 * The escape suite: functions that try to get out of the namespace sandbox, through a real
 * Gust (`--sandbox namespace`) and real invokes. A Python function makes each attempt with
 * plain system calls (ctypes for the ones Python does not wrap) and returns what happened
 * (`{ ok, error }`, the errno name); each attempt must fail in the expected way, and the host
 * must be unaffected. Afterwards: no process of the sandbox uid, no mount or directory of a
 * sandbox left on the host. Fork bombs and memory limits are the cgroups suites' (test/cgroups).
 *
 * Skipped, saying why, where the host cannot run the namespace driver.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespaceHostGap } from '../../src/sandbox/namespace/namespace-setup.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { envTmpEntries } from '../helpers/env-tmp.js';
import { createFunction, invoke } from '../helpers/lambda.js';

// Lambda's sbx_user1051, which every sandbox shows whatever host uid its environment has.
const INSIDE = { uid: 993, gid: 990 };
const gap = namespaceHostGap();
if (gap) console.warn(`test/sandbox/escape.spec.ts skipped: the namespace driver cannot run here: ${gap}`);

const PROBE = `
import ctypes, errno, os, socket

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]

def c_call(result):
    if result == -1:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return result

held = []

def inotify_hold(n):
    # Kept for the environment's life: the per-uid limit (fs.inotify.max_user_instances) stays spent.
    while len(held) < n:
        fd = libc.inotify_init1(0)
        if fd == -1:
            return {"held": len(held), "error": errno.errorcode[ctypes.get_errno()]}
        held.append(fd)
    return {"held": len(held)}

def read(path):
    with open(path, "rb") as f:
        return f.read(64).decode("latin1")

def write(path):
    with open(path, "w") as f:
        f.write("x")
    return path

def connect(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(3)
    try:
        s.connect(("127.0.0.1", port))
        return port
    finally:
        s.close()

def connect_to(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(3)
    try:
        s.connect((host, port))
    finally:
        s.close()

def open_socket(family, kind):
    socket.socket(family, kind).close()
    return family

def io_uring_setup():
    params = ctypes.create_string_buffer(120)
    return c_call(libc.syscall(425, 8, params))

def fill_tmp(mb):
    chunk = b"\\0" * (1 << 20)
    written = 0
    try:
        with open("/tmp/fill", "wb", buffering=0) as f:
            for _ in range(mb):
                f.write(chunk)
                written += 1
    finally:
        if os.path.exists("/tmp/fill"):
            os.unlink("/tmp/fill")
    return written

ATTEMPTS = {
    "read": lambda e: read(e["path"]),
    "list": lambda e: sorted(os.listdir(e["path"])),
    "write": lambda e: write(e["path"]),
    "inotify_hold": lambda e: inotify_hold(e["n"]),
    "inotify": lambda e: os.close(c_call(libc.inotify_init1(0))),
    "connect": lambda e: connect(e["port"]),
    "connect_to": lambda e: connect_to(e["host"], e["port"]),
    "mount": lambda e: c_call(libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)),
    "umount": lambda e: c_call(libc.umount2(b"/var/task", 2)),
    "ptrace": lambda e: c_call(libc.ptrace(0, 0, None, None)),
    "unshare_user": lambda e: c_call(libc.unshare(0x10000000)),
    "unshare_net": lambda e: c_call(libc.unshare(0x40000000)),
    "unshare_mount": lambda e: c_call(libc.unshare(0x00020000)),
    "setuid0": lambda e: c_call(libc.setuid(0)),
    "chroot": lambda e: c_call(libc.chroot(b"/tmp")),
    "kill1": lambda e: os.kill(1, 9),
    "socket": lambda e: open_socket(e["family"], e["kind"]),
    "io_uring": lambda e: io_uring_setup(),
    "fill_tmp": lambda e: fill_tmp(e["mb"]),
    "whoami": lambda e: {"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(), "pid": os.getpid()},
    "caps": lambda e: [l.strip() for l in open("/proc/self/status") if l.startswith(("Cap", "NoNewPrivs", "Seccomp:"))],
    "pids": lambda e: sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
}

def handler(event, context):
    try:
        return {"ok": True, "value": ATTEMPTS[event["action"]](event)}
    except OSError as err:
        return {"ok": False, "error": errno.errorcode.get(err.errno, str(err.errno)) if err.errno else type(err).__name__}
`;

interface Attempt {
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** Host TCP ports listening on loopback or every address (the Lambda API, each environment's Runtime API, databases). */
function hostListeningPorts(): number[] {
  const ports = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A') ports.add(parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/** Processes running as a host uid of the sandboxes' range. */
function processesOfSandboxUids(first: number, count: number): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      if (uid >= first && uid < first + count && !/^State:\s+Z/m.test(status)) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

/** Whether `pid` is a descendant of this test process (whose in-process Gust spawned it). */
function descendsFromUs(pid: number): boolean {
  for (let p = pid, i = 0; p > 1 && i < 64; i++) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${p}/stat`, 'latin1');
    } catch {
      return false;
    }
    p = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (p === process.pid) return true;
  }
  return false;
}

/** The unpacked code directory of the function whose code holds `file` (on the sandbox volume, or the blob store's own directory without one; found by content). */
function codeDirHolding(dataDir: string, file: string): string {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (name === file) found.push(dir);
      else if (depth < 4 && statSync(p).isDirectory()) walk(p, depth + 1);
    }
  };
  for (const root of [join(dataDir, 'blobs'), join(dataDir, 'sandbox', 'volume', 'code')]) if (existsSync(root)) walk(root, 0);
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe.skipIf(gap !== undefined)('escape attempts from a namespace sandbox', () => {
  let t: TestGust;
  let otherCode: string;

  beforeAll(async () => {
    t = await startTestGust({ flags: { sandbox: 'namespace' }, keepDataDir: true });
    await createFunction(t.lambda, 'probe', { Runtime: 'python3.11', Handler: 'lambda_function.handler', MemorySize: 1024, Timeout: 30, files: { 'lambda_function.py': PROBE } });
    await createFunction(t.lambda, 'other', { Environment: { Variables: { SECRET: 'other-secret' } }, files: { 'index.js': 'exports.handler = async () => "other";', 'other-only.txt': 'private' } });
    // The other function runs, so that its Runtime API listens on the host while the probe looks for it.
    expect((await invoke(t.lambda, 'other')).json).toBe('other');
    otherCode = codeDirHolding(t.dataDir, 'other-only.txt');
  });

  afterAll(async () => {
    await t?.stop();
    if (t) rmSync(t.dataDir, { recursive: true, force: true });
  });

  async function attempt(action: string, extra: Record<string, unknown> = {}): Promise<Attempt> {
    const r = await invoke(t.lambda, 'probe', { action, ...extra });
    expect(r.functionError).toBeUndefined();
    return r.json as Attempt;
  }

  it('runs as the unprivileged sandbox uid with no capabilities, no_new_privs and a seccomp filter', async () => {
    const who = await attempt('whoami');
    expect(who.value).toMatchObject({ uid: INSIDE.uid, gid: INSIDE.gid, groups: [] });
    const caps = (await attempt('caps')).value as string[];
    for (const line of caps.filter((l) => l.startsWith('Cap'))) expect(line).toMatch(/:\s+0{16}$/);
    expect(caps).toContain('NoNewPrivs:\t1');
    expect(caps).toContain('Seccomp:\t2');
    // Its own pid namespace: gust-init is 1, the runtime 2, nothing of the host.
    expect(((await attempt('pids')).value as number[]).slice(0, 2)).toEqual([1, 2]);
    expect(await attempt('read', { path: '/proc/1/cmdline' })).toMatchObject({ ok: true, value: expect.stringMatching(/^\/init\0/) });
  });

  it('cannot read /etc/shadow, the data dir, another function\'s code, /root or /home', async () => {
    for (const path of ['/etc/shadow', join(t.dataDir, 'gust.db'), join(otherCode, 'other-only.txt'), '/root/.bashrc', '/home']) {
      expect(await attempt('read', { path }), path).toEqual({ ok: false, error: 'ENOENT' });
    }
    // Its own code is there, and only its own.
    expect(await attempt('list', { path: '/var/task' })).toEqual({ ok: true, value: ['lambda_function.py'] });
    // /etc holds only what name resolution and TLS read, plus the sandbox's passwd and group.
    const etc = (await attempt('list', { path: '/etc' })).value as string[];
    expect(etc).toContain('passwd');
    expect(etc).not.toContain('shadow');
    expect(await attempt('read', { path: '/etc/passwd' })).toMatchObject({ ok: true, value: expect.stringMatching(/^sbx_user1051:x:993:990:/) });
  });

  it('cannot see the host\'s processes, nor open gust-init (pid 1) beyond its command line', async () => {
    // /proc/1 is gust-init's: not dumpable, so its environ, fds and memory are closed to the runtime.
    expect(await attempt('read', { path: '/proc/1/environ' })).toEqual({ ok: false, error: 'EACCES' });
    expect(await attempt('list', { path: '/proc/1/fd' })).toEqual({ ok: false, error: 'EACCES' });
    // Only its own processes: gust-init and the runtime (and what the runtime starts).
    expect(((await attempt('pids')).value as number[]).length).toBeLessThan(5);
    expect(await attempt('kill1')).toMatchObject({ ok: true });
    // pid 1 of a namespace ignores a SIGKILL from inside it: the probe still answers.
    expect(await attempt('whoami')).toMatchObject({ ok: true });
  });

  it('runs each environment as a host uid of its own: one spending its per-uid inotify quota leaves another function\'s intact', async () => {
    const limit = Number(readFileSync('/proc/sys/fs/inotify/max_user_instances', 'utf8'));
    const spent = await attempt('inotify_hold', { n: limit + 1 });
    expect(spent.value).toMatchObject({ error: 'EMFILE' });
    expect((spent.value as { held: number }).held).toBeGreaterThan(0);
    await createFunction(t.lambda, 'neighbour', { Runtime: 'python3.11', Handler: 'lambda_function.handler', files: { 'lambda_function.py': PROBE } });
    const r = await invoke(t.lambda, 'neighbour', { action: 'inotify' });
    expect(r.json).toEqual({ ok: true, value: null });
  });

  it('cannot write its code, /usr, the root or anything but /tmp: /opt, /var, /run, /dev and /dev/shm included', async () => {
    const paths = ['/var/task/lambda_function.py', '/var/task/new', '/usr/evil', '/usr/bin/evil', '/etc/passwd', '/evil', '/opt/evil', '/var/evil', '/run/evil', '/dev/evil', '/dev/shm/evil', '/run/gust/evil'];
    for (const path of paths) {
      expect((await attempt('write', { path })).error, path).toMatch(/^(EROFS|EACCES)$/);
    }
    expect(await attempt('write', { path: '/tmp/ok' })).toEqual({ ok: true, value: '/tmp/ok' });
  });

  it('reaches its own Runtime API and no port of the host\'s loopback: not Gust, no other environment, no database; nor the metadata address', async () => {
    const ports = hostListeningPorts();
    const gustPort = new URL(t.url).port;
    expect(ports).toContain(Number(gustPort));
    for (const port of [...new Set([...ports, 5432, 6379])]) {
      const r = await attempt('connect', { port });
      // 9001 is the sandbox's own Runtime API, where gust-init listens.
      if (port === 9001) expect(r.ok).toBe(true);
      else expect(r, `port ${port}`).toEqual({ ok: false, error: 'ECONNREFUSED' });
    }
    expect(await attempt('connect', { port: 9001 })).toEqual({ ok: true, value: 9001 });
    // Refused by Gust's rules on the host (a reset), before it leaves the host.
    expect(await attempt('connect_to', { host: '169.254.169.254', port: 80 })).toEqual({ ok: false, error: 'ECONNREFUSED' });
  });

  it('cannot mount, unmount, chroot, ptrace, make namespaces or become root', async () => {
    for (const action of ['mount', 'umount', 'chroot', 'ptrace', 'unshare_user', 'unshare_net', 'unshare_mount']) {
      expect(await attempt(action), action).toEqual({ ok: false, error: 'EPERM' });
    }
    // uid 0 does not exist in the sandbox's user namespace.
    expect((await attempt('setuid0')).error).toMatch(/^(EINVAL|EPERM)$/);
  });

  it('opens unix, inet, inet6 and netlink sockets only; io_uring does not exist', async () => {
    const SOCK_STREAM = 1;
    const SOCK_DGRAM = 2;
    const SOCK_RAW = 3;
    for (const [family, kind] of [[1, SOCK_STREAM], [2, SOCK_STREAM], [10, SOCK_DGRAM], [16, SOCK_RAW]]) {
      expect(await attempt('socket', { family, kind }), `family ${family}`).toEqual({ ok: true, value: family });
    }
    // AF_VSOCK is in no network namespace: on a VM host it reaches the hypervisor.
    for (const [family, kind] of [[40, SOCK_STREAM], [17, SOCK_RAW], [4, SOCK_DGRAM], [44, SOCK_RAW]]) {
      expect(await attempt('socket', { family, kind }), `family ${family}`).toEqual({ ok: false, error: 'EAFNOSUPPORT' });
    }
    expect(await attempt('io_uring')).toEqual({ ok: false, error: 'ENOSYS' });
  });

  it('fills /tmp only up to EphemeralStorage (512 MB): the next write fails with ENOSPC', async () => {
    const r = await attempt('fill_tmp', { mb: 600 });
    expect(r).toEqual({ ok: false, error: 'ENOSPC' });
    // The environment survives it.
    expect(await attempt('write', { path: '/tmp/after' })).toEqual({ ok: true, value: '/tmp/after' });
  });

  it('leaves nothing behind once the server stops: no process of the sandbox uid, no mount, no socket directory', async () => {
    // This server's sandboxes (other servers on the host may run sandboxes as the same uid).
    const sandboxUids = () => processesOfSandboxUids(t.config.sandboxUid, t.config.sandboxUidCount);
    const ours = sandboxUids().filter(descendsFromUs);
    expect(ours.length).toBeGreaterThan(0);
    await t.stop();
    expect(ours.filter((p) => sandboxUids().includes(p))).toEqual([]);
    expect(sandboxUids().filter(descendsFromUs)).toEqual([]);
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    expect(mounts).not.toContain(t.dataDir);
    expect(envTmpEntries(t.dataDir).filter((n) => n.split('/')[1]!.startsWith('gust-ns-'))).toEqual([]);
  });
});
