/**
 * Reads a JSON document as it streams in and takes one string member out of it: the
 * base64 at `target` (for example `Code.ZipFile`) is decoded chunk by chunk into a sink
 * (a file), and the rest of the document, with that member emptied (`""`), is kept as
 * bytes for JSON.parse. A 70 MB CreateFunction then costs a few chunks of memory instead
 * of the body, its string, the parsed string and the decoded buffer (~260 MB), and no
 * single step blocks the event loop for long.
 *
 * The scan knows only what it needs of JSON: strings (with escapes), objects, arrays and
 * the key of each open object. Multi-byte UTF-8 never contains an ASCII byte, so it works
 * on bytes. Whatever else is malformed is left for JSON.parse of the rest to refuse.
 */
import { InvalidRequestContentException } from '../core/errors.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

interface Container {
  object: boolean;
  /** Object: the member whose value comes next (after its ':'). */
  key?: string | undefined;
  expectKey: boolean;
}

/** Where decoded bytes go; awaited, so a slow disk slows the reading down. */
export type ByteSink = (bytes: Buffer) => Promise<void>;

export class Base64MemberReader {
  private readonly stack: Container[] = [];
  private readonly rest: Buffer[] = [];
  private restBytes = 0;
  private inString = false;
  private escaped = false;
  /** Bytes of the key string being read, when the string is a key. */
  private keyBytes: number[] | undefined;
  /** Reading the target's value. */
  private inTarget = false;
  private carry = '';
  private padded = false;
  /** Decoded bytes written to the sink. */
  decodedBytes = 0;
  /** Whether the member was there. */
  found = false;

  constructor(
    private readonly target: readonly string[],
    private readonly sink: ByteSink,
    /** Largest document without the member: it is parsed in memory. */
    private readonly maxRestBytes: number,
    private readonly tooLarge: () => Error,
  ) {}

  /** Takes the next chunk of the body. */
  async push(chunk: Buffer): Promise<void> {
    let from = 0;
    let i = 0;
    while (i < chunk.length) {
      if (this.inTarget) {
        const end = this.targetEnd(chunk, i);
        await this.decode(chunk.subarray(i, end === -1 ? chunk.length : end));
        if (end === -1) return;
        i = end;
        if (chunk[i] === BACKSLASH || this.escaped) {
          i = await this.targetEscape(chunk, i);
          continue;
        }
        // The closing quote: the member ends, and the rest resumes with it.
        await this.finishTarget();
        from = i;
        i++;
        continue;
      }
      if (this.step(chunk[i]!)) {
        // The target's opening quote is kept; its content is not.
        this.keep(chunk.subarray(from, i + 1));
        from = i + 1;
      }
      i++;
    }
    if (!this.inTarget) this.keep(chunk.subarray(from));
  }

  /** The document without the member, once every chunk was pushed. */
  text(): string {
    if (this.inTarget) throw new InvalidRequestContentException('Could not parse request body into json: the body ends inside a string.');
    return Buffer.concat(this.rest).toString('utf8');
  }

  /** One byte outside the target; true when it opens the target's string. */
  private step(byte: number): boolean {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (byte === BACKSLASH) this.escaped = true;
      else if (byte === QUOTE) {
        this.inString = false;
        if (this.keyBytes) {
          this.top()!.key = Buffer.from(this.keyBytes).toString('utf8');
          this.keyBytes = undefined;
        }
        return false;
      }
      this.keyBytes?.push(byte);
      return false;
    }
    const top = this.top();
    switch (byte) {
      case QUOTE:
        this.inString = true;
        if (top?.object && top.expectKey) {
          this.keyBytes = [];
          return false;
        }
        return this.atTarget() && this.beginTarget();
      case 0x7b: // {
        this.stack.push({ object: true, expectKey: true });
        return false;
      case 0x5b: // [
        this.stack.push({ object: false, expectKey: false });
        return false;
      case 0x7d: // }
      case 0x5d: // ]
        this.stack.pop();
        return false;
      case 0x3a: // :
        if (top) top.expectKey = false;
        return false;
      case 0x2c: // ,
        if (top?.object) {
          top.expectKey = true;
          top.key = undefined;
        }
        return false;
      default:
        return false;
    }
  }

  private top(): Container | undefined {
    return this.stack[this.stack.length - 1];
  }

  private atTarget(): boolean {
    return this.stack.length === this.target.length && this.stack.every((c, i) => c.object && !c.expectKey && c.key === this.target[i]);
  }

  private beginTarget(): true {
    if (this.found) throw this.invalid('appears twice');
    this.found = true;
    this.inTarget = true;
    this.inString = false;
    return true;
  }

  /** Index of the next quote or backslash from `i`, or -1. */
  private targetEnd(chunk: Buffer, i: number): number {
    if (this.escaped) return i;
    const quote = chunk.indexOf(QUOTE, i);
    const slash = chunk.indexOf(BACKSLASH, i);
    return quote === -1 ? slash : slash === -1 ? quote : Math.min(quote, slash);
  }

  /**
   * An escape inside the base64: `\/` is a `/` some encoders escape, `\n` and `\r` are
   * line breaks of MIME-style base64; anything else cannot be base64. Returns where to go on.
   */
  private async targetEscape(chunk: Buffer, i: number): Promise<number> {
    if (!this.escaped) {
      this.escaped = true;
      i++;
      if (i === chunk.length) return i;
    }
    this.escaped = false;
    const c = chunk[i];
    if (c === 0x2f) await this.decode(Buffer.from('/'));
    else if (c !== 0x6e && c !== 0x72) throw this.invalid('must be base64');
    return i + 1;
  }

  private async decode(bytes: Buffer): Promise<void> {
    if (bytes.length === 0) return;
    const text = this.carry + bytes.toString('latin1');
    if (/[^A-Za-z0-9+/=]/.test(text) || (this.padded && text.length > 0)) throw this.invalid('must be base64');
    const pad = text.indexOf('=');
    if (pad !== -1) {
      if (text.length - pad > 2 || /[^=]/.test(text.slice(pad))) throw this.invalid('must be base64');
      this.padded = true;
    }
    const whole = pad !== -1 ? text.length : text.length - (text.length % 4);
    this.carry = text.slice(whole);
    if (whole > 0) await this.write(Buffer.from(text.slice(0, whole), 'base64'));
  }

  private async finishTarget(): Promise<void> {
    this.inTarget = false;
    if (this.carry.length === 1) throw this.invalid('must be base64');
    if (this.carry.length > 0) await this.write(Buffer.from(this.carry, 'base64'));
    this.carry = '';
  }

  private async write(bytes: Buffer): Promise<void> {
    this.decodedBytes += bytes.length;
    await this.sink(bytes);
  }

  private keep(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.restBytes += bytes.length;
    if (this.restBytes > this.maxRestBytes) throw this.tooLarge();
    this.rest.push(Buffer.from(bytes));
  }

  private invalid(what: string): InvalidRequestContentException {
    return new InvalidRequestContentException(`Could not parse request body into json: ${this.target.join('.')} ${what}`);
  }
}
