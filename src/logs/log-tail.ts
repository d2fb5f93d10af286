/**
 * The tail of one invocation's log, for `LogType: Tail` (AWS returns the last 4 KB of the
 * execution log, base64-encoded, in `X-Amz-Log-Result`). Lines are kept only while they
 * can still be part of the tail, so a chatty handler costs bounded memory.
 */
import { LIMITS } from '../core/limits.js';

export class LogTail {
  private lines: string[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes: number = LIMITS.logTailBytes) {}

  /** Adds one line (without its newline). */
  push(line: string): void {
    const size = Buffer.byteLength(line, 'utf8') + 1;
    this.lines.push(line);
    this.bytes += size;
    // Keep whole lines while the rest alone still fills the tail.
    while (this.lines.length > 1 && this.bytes - (Buffer.byteLength(this.lines[0]!, 'utf8') + 1) >= this.maxBytes) {
      this.bytes -= Buffer.byteLength(this.lines.shift()!, 'utf8') + 1;
    }
  }

  /**
   * The last `maxBytes` bytes of the lines, each ending in `\n`. A cut never splits a
   * UTF-8 character: the partial character at the start is dropped.
   */
  text(): string {
    const all = Buffer.from(this.lines.map((l) => `${l}\n`).join(''), 'utf8');
    if (all.length <= this.maxBytes) return all.toString('utf8');
    let start = all.length - this.maxBytes;
    // Skip continuation bytes (10xxxxxx) so decoding starts on a character boundary.
    while (start < all.length && (all[start]! & 0xc0) === 0x80) start++;
    return all.subarray(start).toString('utf8');
  }
}
