/**
 * The seccomp filter of every namespace sandbox: a deny list of the system calls a Lambda
 * function never needs and an escape would (mounting, tracing, new namespaces, kernel
 * modules, kexec, eBPF, perf, keyrings, swap, reboot, clock setting, handle-based opens,
 * cross-process memory access). Denied calls return EPERM, as Docker's default profile
 * does, so that a runtime that probes for a feature sees "not permitted" instead of dying.
 * `clone3` returns ENOSYS: its flags sit in a struct a filter cannot read, and ENOSYS makes
 * glibc fall back to `clone`, whose flags the filter checks.
 *
 * io_uring returns ENOSYS too: a ring performs system calls the filter never sees, and
 * runtimes that probe for it (libuv, liburing) fall back to ordinary calls on ENOSYS.
 * `socket` and `socketpair` take only the families a function needs (`AF_UNIX`, `AF_INET`,
 * `AF_INET6`, `AF_NETLINK`, which `getaddrinfo` and `getifaddrs` use); any other family
 * (`AF_VSOCK`, which no network namespace confines and which reaches the hypervisor on a VM
 * host, `AF_PACKET`, `AF_BLUETOOTH`, …) answers EAFNOSUPPORT, as a kernel built without it would.
 *
 * Anything else is allowed. A call from another ABI (i386 or x32 on x86_64) is denied as a
 * whole: the numbers below would not mean the same calls there.
 *
 * Syscall numbers: linux/arch/x86/entry/syscalls/syscall_64.tbl and
 * include/uapi/asm-generic/unistd.h (aarch64), checked against the host's headers.
 */
import { assemble, encode, type Instruction } from './bpf.js';

export type SeccompArch = 'x64' | 'arm64';

/** The deny list, with numbers per architecture (absent: the call does not exist there). */
const DENIED: Record<string, Partial<Record<SeccompArch, number>>> = {
  mount: { x64: 165, arm64: 40 },
  umount2: { x64: 166, arm64: 39 },
  pivot_root: { x64: 155, arm64: 41 },
  chroot: { x64: 161, arm64: 51 },
  fsopen: { x64: 430, arm64: 430 },
  fsconfig: { x64: 431, arm64: 431 },
  fsmount: { x64: 432, arm64: 432 },
  fspick: { x64: 433, arm64: 433 },
  move_mount: { x64: 429, arm64: 429 },
  open_tree: { x64: 428, arm64: 428 },
  mount_setattr: { x64: 442, arm64: 442 },
  ptrace: { x64: 101, arm64: 117 },
  process_vm_readv: { x64: 310, arm64: 270 },
  process_vm_writev: { x64: 311, arm64: 271 },
  unshare: { x64: 272, arm64: 97 },
  setns: { x64: 308, arm64: 268 },
  init_module: { x64: 175, arm64: 105 },
  finit_module: { x64: 313, arm64: 273 },
  delete_module: { x64: 176, arm64: 106 },
  kexec_load: { x64: 246, arm64: 104 },
  kexec_file_load: { x64: 320, arm64: 294 },
  bpf: { x64: 321, arm64: 280 },
  perf_event_open: { x64: 298, arm64: 241 },
  keyctl: { x64: 250, arm64: 219 },
  add_key: { x64: 248, arm64: 217 },
  request_key: { x64: 249, arm64: 218 },
  swapon: { x64: 167, arm64: 224 },
  swapoff: { x64: 168, arm64: 225 },
  reboot: { x64: 169, arm64: 142 },
  acct: { x64: 163, arm64: 89 },
  userfaultfd: { x64: 323, arm64: 282 },
  open_by_handle_at: { x64: 304, arm64: 265 },
  name_to_handle_at: { x64: 303, arm64: 264 },
  quotactl: { x64: 179, arm64: 60 },
  settimeofday: { x64: 164, arm64: 170 },
  clock_settime: { x64: 227, arm64: 112 },
  clock_adjtime: { x64: 305, arm64: 266 },
  syslog: { x64: 103, arm64: 116 },
  vhangup: { x64: 153, arm64: 58 },
  iopl: { x64: 172 },
  ioperm: { x64: 173 },
};

const CLONE: Record<SeccompArch, number> = { x64: 56, arm64: 220 };
const CLONE3 = 435;
/** io_uring_setup, io_uring_enter and io_uring_register: the same numbers on both architectures. */
export const IO_URING = [425, 426, 427];
const SOCKET: Record<SeccompArch, number> = { x64: 41, arm64: 198 };
const SOCKETPAIR: Record<SeccompArch, number> = { x64: 53, arm64: 199 };
/** AF_UNIX, AF_INET, AF_INET6, AF_NETLINK (linux/socket.h). */
export const ALLOWED_SOCKET_FAMILIES = [1, 2, 10, 16];

/** AUDIT_ARCH_* (linux/audit.h): what `seccomp_data.arch` holds for a native call. */
const AUDIT_ARCH: Record<SeccompArch, number> = { x64: 0xc000003e, arm64: 0xc00000b7 };
/** x32 system calls on x86_64 carry this bit in their number. */
const X32_SYSCALL_BIT = 0x40000000;

/** CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWTIME. */
export const CLONE_NAMESPACE_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x00000080;

export const SECCOMP_RET_ALLOW = 0x7fff0000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const EPERM = 1;
export const ENOSYS = 38;
export const EAFNOSUPPORT = 97;

/** Offsets in `struct seccomp_data`: nr, arch, then args[] (the low word of args[0] at 16 on little-endian). */
const DATA_NR = 0;
const DATA_ARCH = 4;
const DATA_ARG0_LOW = 16;

/** The architecture of this Node process, if the policy covers it. */
export function hostSeccompArch(arch: string = process.arch): SeccompArch | undefined {
  return arch === 'x64' || arch === 'arm64' ? arch : undefined;
}

/** The names of the denied calls (for the docs and the tests). */
export function deniedSyscalls(arch: SeccompArch): string[] {
  return Object.keys(DENIED).filter((name) => DENIED[name]![arch] !== undefined);
}

/** The policy as a program, before assembly. */
export function seccompProgram(arch: SeccompArch): Instruction[] {
  const program: Instruction[] = [
    { op: 'ld', offset: DATA_ARCH },
    { op: 'jeq', k: AUDIT_ARCH[arch], jt: 'next', jf: '@eperm' },
    { op: 'ld', offset: DATA_NR },
  ];
  if (arch === 'x64') program.push({ op: 'jge', k: X32_SYSCALL_BIT, jt: '@eperm', jf: 'next' });
  for (const numbers of Object.values(DENIED)) {
    const nr = numbers[arch];
    if (nr !== undefined) program.push({ op: 'jeq', k: nr, jt: '@eperm', jf: 'next' });
  }
  for (const nr of IO_URING) program.push({ op: 'jeq', k: nr, jt: '@enosys', jf: 'next' });
  program.push(
    { op: 'jeq', k: CLONE3, jt: '@enosys', jf: 'next' },
    { op: 'jeq', k: SOCKET[arch], jt: '@socket', jf: 'next' },
    { op: 'jeq', k: SOCKETPAIR[arch], jt: '@socket', jf: 'next' },
    { op: 'jeq', k: CLONE[arch], jt: 'next', jf: '@allow' },
    { op: 'ld', offset: DATA_ARG0_LOW },
    { op: 'jset', k: CLONE_NAMESPACE_FLAGS, jt: '@eperm', jf: '@allow' },
    { op: 'label', name: '@socket' },
    { op: 'ld', offset: DATA_ARG0_LOW },
    ...ALLOWED_SOCKET_FAMILIES.map((family): Instruction => ({ op: 'jeq', k: family, jt: '@allow', jf: 'next' })),
    { op: 'ret', k: SECCOMP_RET_ERRNO | EAFNOSUPPORT },
    { op: 'label', name: '@allow' },
    { op: 'ret', k: SECCOMP_RET_ALLOW },
    { op: 'label', name: '@eperm' },
    { op: 'ret', k: SECCOMP_RET_ERRNO | EPERM },
    { op: 'label', name: '@enosys' },
    { op: 'ret', k: SECCOMP_RET_ERRNO | ENOSYS },
  );
  return program;
}

/** The encoded filter for `bwrap --seccomp FD`. */
export function seccompFilter(arch: SeccompArch): Buffer {
  return encode(assemble(seccompProgram(arch)));
}
