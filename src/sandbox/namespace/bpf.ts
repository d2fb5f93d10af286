/**
 * A tiny assembler for classic BPF, the language of seccomp filters: instructions with
 * symbolic jump targets, resolved into the `struct sock_filter` array that the kernel (and
 * `bwrap --seccomp FD`) reads. Only what a seccomp policy needs: absolute loads, jumps that
 * compare the accumulator with a constant, and returns.
 */

/** Opcodes, as in linux/filter.h. */
export const BPF = {
  LD_W_ABS: 0x20, // BPF_LD | BPF_W | BPF_ABS
  JEQ_K: 0x15, // BPF_JMP | BPF_JEQ | BPF_K
  JGE_K: 0x35, // BPF_JMP | BPF_JGE | BPF_K
  JSET_K: 0x45, // BPF_JMP | BPF_JSET | BPF_K
  RET_K: 0x06, // BPF_RET | BPF_K
} as const;

/** A jump target: the index of the next instruction (`next`) or a label. */
export type Target = 'next' | `@${string}`;

export type Instruction =
  | { op: 'ld'; offset: number }
  | { op: 'jeq' | 'jge' | 'jset'; k: number; jt: Target; jf: Target }
  | { op: 'ret'; k: number }
  | { op: 'label'; name: `@${string}` };

/** One encoded instruction, as the kernel reads it. */
export interface SockFilter {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

const JUMP_CODES = { jeq: BPF.JEQ_K, jge: BPF.JGE_K, jset: BPF.JSET_K } as const;

/**
 * Resolves labels into relative forward offsets. Throws on an unknown label, a backward
 * jump (classic BPF has none) or an offset over 255 (a jump field is one byte).
 */
export function assemble(program: readonly Instruction[]): SockFilter[] {
  const labels = new Map<string, number>();
  let index = 0;
  for (const insn of program) {
    if (insn.op === 'label') {
      if (labels.has(insn.name)) throw new Error(`BPF label ${insn.name} defined twice`);
      labels.set(insn.name, index);
    } else {
      index++;
    }
  }
  const out: SockFilter[] = [];
  for (const insn of program) {
    if (insn.op === 'label') continue;
    const at = out.length;
    const offset = (target: Target): number => {
      if (target === 'next') return 0;
      const to = labels.get(target);
      if (to === undefined) throw new Error(`BPF label ${target} is not defined`);
      const rel = to - at - 1;
      if (rel < 0 || rel > 255) throw new Error(`BPF jump from ${at} to ${target} (${to}) is out of range`);
      return rel;
    };
    if (insn.op === 'ld') out.push({ code: BPF.LD_W_ABS, jt: 0, jf: 0, k: insn.offset });
    else if (insn.op === 'ret') out.push({ code: BPF.RET_K, jt: 0, jf: 0, k: insn.k >>> 0 });
    else out.push({ code: JUMP_CODES[insn.op], jt: offset(insn.jt), jf: offset(insn.jf), k: insn.k >>> 0 });
  }
  if (out.length > 4096) throw new Error('BPF program longer than the kernel allows (4096)');
  return out;
}

/** `struct sock_filter[]` in little-endian byte order (x86_64, aarch64). */
export function encode(filter: readonly SockFilter[]): Buffer {
  const buf = Buffer.alloc(filter.length * 8);
  filter.forEach((f, i) => {
    buf.writeUInt16LE(f.code, i * 8);
    buf.writeUInt8(f.jt, i * 8 + 2);
    buf.writeUInt8(f.jf, i * 8 + 3);
    buf.writeUInt32LE(f.k, i * 8 + 4);
  });
  return buf;
}
