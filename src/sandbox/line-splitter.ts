/**
 * Turns the byte stream of a runtime's stdout or stderr into lines. UTF-8 sequences cut
 * between two reads are reassembled; a line longer than `maxLineChars` is cut into
 * pieces, as CloudWatch cuts an event over its size limit (256 KB).
 */
import { StringDecoder } from 'node:string_decoder';

export const DEFAULT_MAX_LINE_CHARS = 256 * 1024;

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(
    private readonly emit: (line: string) => void,
    private readonly maxLineChars = DEFAULT_MAX_LINE_CHARS,
  ) {}

  /** Feeds bytes; emits every completed line (without `\n` or a trailing `\r`). */
  push(chunk: Buffer): void {
    let text = this.partial + this.decoder.write(chunk);
    let nl: number;
    while ((nl = text.indexOf('\n')) !== -1) {
      const line = text.charCodeAt(nl - 1) === 13 ? text.slice(0, nl - 1) : text.slice(0, nl);
      this.emitCut(line);
      text = text.slice(nl + 1);
    }
    while (text.length >= this.maxLineChars) {
      this.emit(text.slice(0, this.maxLineChars));
      text = text.slice(this.maxLineChars);
    }
    this.partial = text;
  }

  /** Emits what is left of an unterminated last line, if anything. */
  flush(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest.length > 0) this.emitCut(rest);
  }

  private emitCut(line: string): void {
    for (let i = 0; i < line.length || i === 0; i += this.maxLineChars) {
      this.emit(line.slice(i, i + this.maxLineChars));
      if (line.length === 0) break;
    }
  }
}
