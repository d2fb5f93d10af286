import { describe, expect, it } from 'vitest';
import { assemble, BPF, encode, type SockFilter } from './bpf.js';
import { ALLOWED_SOCKET_FAMILIES, CLONE_NAMESPACE_FLAGS, deniedSyscalls, EAFNOSUPPORT, ENOSYS, EPERM, IO_URING, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, seccompFilter, seccompProgram, type SeccompArch } from './seccomp-policy.js';

/** Runs an encoded filter the way the kernel does, on one `struct seccomp_data`. */
function run(bytes: Buffer, data: { nr: number; arch: number; arg0?: number }): number {
  const filter: SockFilter[] = [];
  for (let i = 0; i < bytes.length; i += 8) {
    filter.push({ code: bytes.readUInt16LE(i), jt: bytes.readUInt8(i + 2), jf: bytes.readUInt8(i + 3), k: bytes.readUInt32LE(i + 4) });
  }
  const mem = Buffer.alloc(64);
  mem.writeInt32LE(data.nr, 0);
  mem.writeUInt32LE(data.arch, 4);
  mem.writeUInt32LE((data.arg0 ?? 0) >>> 0, 16);
  let acc = 0;
  for (let pc = 0; pc < filter.length; pc++) {
    const f = filter[pc]!;
    switch (f.code) {
      case BPF.LD_W_ABS:
        acc = mem.readUInt32LE(f.k);
        break;
      case BPF.JEQ_K:
        pc += acc === f.k ? f.jt : f.jf;
        break;
      case BPF.JGE_K:
        pc += acc >= f.k ? f.jt : f.jf;
        break;
      case BPF.JSET_K:
        pc += (acc & f.k) !== 0 ? f.jt : f.jf;
        break;
      case BPF.RET_K:
        return f.k;
      default:
        throw new Error(`unknown opcode ${f.code}`);
    }
  }
  throw new Error('fell off the end of the program');
}

const ARCHES: Record<SeccompArch, { audit: number; mount: number; read: number; clone: number; ptrace: number; socket: number; socketpair: number }> = {
  x64: { audit: 0xc000003e, mount: 165, read: 0, clone: 56, ptrace: 101, socket: 41, socketpair: 53 },
  arm64: { audit: 0xc00000b7, mount: 40, read: 63, clone: 220, ptrace: 117, socket: 198, socketpair: 199 },
};
const ERR = (errno: number) => (SECCOMP_RET_ERRNO | errno) >>> 0;

describe('BPF assembler', () => {
  it('resolves labels into forward offsets and encodes 8-byte little-endian instructions', () => {
    const filter = assemble([
      { op: 'ld', offset: 0 },
      { op: 'jeq', k: 7, jt: '@yes', jf: 'next' },
      { op: 'ret', k: 1 },
      { op: 'label', name: '@yes' },
      { op: 'ret', k: 2 },
    ]);
    expect(filter).toEqual([
      { code: BPF.LD_W_ABS, jt: 0, jf: 0, k: 0 },
      { code: BPF.JEQ_K, jt: 1, jf: 0, k: 7 },
      { code: BPF.RET_K, jt: 0, jf: 0, k: 1 },
      { code: BPF.RET_K, jt: 0, jf: 0, k: 2 },
    ]);
    expect(encode(filter).subarray(8, 16).toString('hex')).toBe('1500010007000000');
  });

  it('refuses unknown labels, backward jumps and offsets beyond one byte', () => {
    expect(() => assemble([{ op: 'jeq', k: 0, jt: '@nowhere', jf: 'next' }])).toThrow(/not defined/);
    expect(() => assemble([{ op: 'label', name: '@back' }, { op: 'jeq', k: 0, jt: '@back', jf: 'next' }])).toThrow(/out of range/);
    const far = [{ op: 'jeq' as const, k: 0, jt: '@end' as const, jf: 'next' as const }, ...Array.from({ length: 300 }, () => ({ op: 'ret' as const, k: 0 })), { op: 'label' as const, name: '@end' as const }, { op: 'ret' as const, k: 0 }];
    expect(() => assemble(far)).toThrow(/out of range/);
  });
});

describe.each(Object.keys(ARCHES) as SeccompArch[])('seccomp policy (%s)', (arch) => {
  const a = ARCHES[arch];
  const filter = seccompFilter(arch);

  it('allows ordinary calls and denies the listed ones with EPERM', () => {
    expect(run(filter, { nr: a.read, arch: a.audit })).toBe(SECCOMP_RET_ALLOW);
    expect(run(filter, { nr: a.mount, arch: a.audit })).toBe(ERR(EPERM));
    expect(run(filter, { nr: a.ptrace, arch: a.audit })).toBe(ERR(EPERM));
    expect(deniedSyscalls(arch)).toEqual(expect.arrayContaining(['mount', 'umount2', 'ptrace', 'unshare', 'setns', 'bpf', 'kexec_load', 'init_module', 'keyctl', 'perf_event_open', 'pivot_root', 'chroot', 'userfaultfd', 'open_by_handle_at']));
  });

  it('lets clone make threads and processes but not namespaces; clone3 is ENOSYS', () => {
    const CLONE_THREAD_FLAGS = 0x003d0f00;
    expect(run(filter, { nr: a.clone, arch: a.audit, arg0: CLONE_THREAD_FLAGS })).toBe(SECCOMP_RET_ALLOW);
    expect(run(filter, { nr: a.clone, arch: a.audit, arg0: 17 /* SIGCHLD: fork */ })).toBe(SECCOMP_RET_ALLOW);
    for (const bit of [0x00020000, 0x10000000, 0x20000000, 0x40000000, 0x80]) {
      expect(run(filter, { nr: a.clone, arch: a.audit, arg0: 17 | bit })).toBe(ERR(EPERM));
      expect(CLONE_NAMESPACE_FLAGS & bit).toBe(bit);
    }
    expect(run(filter, { nr: 435, arch: a.audit })).toBe(ERR(ENOSYS));
  });

  it('answers io_uring with ENOSYS', () => {
    for (const nr of [425, 426, 427]) expect(run(filter, { nr, arch: a.audit }), `syscall ${nr}`).toBe(ERR(ENOSYS));
  });

  it('opens sockets of the unix, inet, inet6 and netlink families only', () => {
    const AF = { UNSPEC: 0, UNIX: 1, INET: 2, INET6: 10, NETLINK: 16, PACKET: 17, BLUETOOTH: 31, VSOCK: 40, XDP: 44 };
    expect(ALLOWED_SOCKET_FAMILIES).toEqual([AF.UNIX, AF.INET, AF.INET6, AF.NETLINK]);
    for (const nr of [a.socket, a.socketpair]) {
      for (const family of ALLOWED_SOCKET_FAMILIES) expect(run(filter, { nr, arch: a.audit, arg0: family })).toBe(SECCOMP_RET_ALLOW);
      for (const family of [AF.UNSPEC, AF.PACKET, AF.BLUETOOTH, AF.VSOCK, AF.XDP, 0x10000 | AF.INET]) {
        expect(run(filter, { nr, arch: a.audit, arg0: family }), `family ${family}`).toBe(ERR(EAFNOSUPPORT));
      }
    }
  });

  it('denies every call of a foreign ABI', () => {
    expect(run(filter, { nr: a.read, arch: 0x40000003 /* i386 */ })).toBe(ERR(EPERM));
    if (arch === 'x64') expect(run(filter, { nr: 0x40000000, arch: a.audit })).toBe(ERR(EPERM));
  });

  it('denies each listed call and nothing in between', () => {
    const program = seccompProgram(arch);
    const denied = program.filter((i) => i.op === 'jeq' && i.jt === '@eperm').map((i) => (i as { k: number }).k);
    expect(denied.length).toBe(deniedSyscalls(arch).length);
    for (let nr = 0; nr < 460; nr++) {
      const expected =
        nr === 435 || IO_URING.includes(nr) ? ERR(ENOSYS)
        : denied.includes(nr) ? ERR(EPERM)
        : nr === a.socket || nr === a.socketpair ? ERR(EAFNOSUPPORT)
        : SECCOMP_RET_ALLOW;
      expect(run(filter, { nr, arch: a.audit }), `syscall ${nr}`).toBe(expected);
    }
  });
});
