/**
 * The path rules of a code package, with no I/O: which entry names are allowed, how the
 * entries fit together into one tree, and whether a symbolic link stays inside it.
 * zip-package.ts applies them while extracting.
 */
import { InvalidParameterValueException } from '../core/errors.js';

/** What an entry of the package is. */
export type EntryKind = 'file' | 'dir' | 'link';

/** Linux's limits, checked up front so an over-long name is the user's error, not ours. */
const MAX_SEGMENT_BYTES = 255;
const MAX_PATH_BYTES = 4000;
/** Symlinks followed while resolving one path before giving up, as Linux's ELOOP does. */
const MAX_LINK_HOPS = 40;

const UNZIP_FAILED = 'Could not unzip uploaded file. Please check your file, then try to upload again.';

/** The generic refusal for anything that is not a readable zip. */
export function unzipFailed(): InvalidParameterValueException {
  return new InvalidParameterValueException(UNZIP_FAILED);
}

/** A refusal naming the offending entry. Control characters are escaped to keep the message one line. */
export function badEntry(name: string, why: string): InvalidParameterValueException {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped
  const shown = name.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return new InvalidParameterValueException(`Could not unzip uploaded file. The entry '${shown}' ${why}.`);
}

/**
 * Turns an entry name into a package-relative path (`a/b/c`, or `''` for the root).
 * Backslashes count as separators, as Windows tools write them, so `..\x` is caught like
 * `../x`. Refuses absolute paths, drive letters, `..` segments and NUL bytes.
 */
export function normaliseEntryName(name: string): { path: string; isDir: boolean } {
  if (name.includes('\0')) throw badEntry(name, 'has a NUL character in its name');
  const slashed = name.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[a-zA-Z]:/.test(slashed)) throw badEntry(name, 'has an absolute path');
  const segments = slashed.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw badEntry(name, 'points outside the package');
  if (segments.some((s) => Buffer.byteLength(s) > MAX_SEGMENT_BYTES) || Buffer.byteLength(slashed) > MAX_PATH_BYTES) {
    throw badEntry(name, 'has a name that is too long');
  }
  return { path: segments.join('/'), isDir: slashed.endsWith('/') };
}

/**
 * The tree the entries describe, checked as it grows: an entry may not appear twice (we
 * refuse rather than pick a winner, so what runs is never a matter of entry order), may
 * not sit under a file, and may not sit under a symbolic link (which would let a later
 * entry be written through the link). Directories may repeat, since zip tools list them
 * both implicitly and explicitly.
 */
export class PackageTree {
  private readonly kinds = new Map<string, EntryKind>([['', 'dir']]);
  private readonly linkTargets = new Map<string, string>();

  /** Records an entry; throws the refusal if it does not fit. `name` is the raw name, for messages. */
  add(path: string, kind: EntryKind, name: string, target?: string): void {
    const segments = path === '' ? [] : path.split('/');
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join('/');
      const parentKind = this.kinds.get(parent);
      if (parentKind === 'file') throw badEntry(name, `is inside '${parent}', which is a file`);
      if (parentKind === 'link') throw badEntry(name, `is inside '${parent}', which is a symbolic link`);
      this.kinds.set(parent, 'dir');
    }
    const existing = this.kinds.get(path);
    if (existing !== undefined && !(existing === 'dir' && kind === 'dir')) throw badEntry(name, 'appears more than once');
    this.kinds.set(path, kind);
    if (kind === 'link') this.linkTargets.set(path, target ?? '');
  }

  /** Every directory, deepest first (the order to make them read-only in). */
  directoriesDeepestFirst(): string[] {
    const dirs = [...this.kinds].filter(([, k]) => k === 'dir').map(([p]) => p);
    const depth = (p: string) => (p === '' ? 0 : p.split('/').length);
    return dirs.sort((a, b) => depth(b) - depth(a));
  }

  /** The symbolic links and their targets. */
  links(): ReadonlyMap<string, string> {
    return this.linkTargets;
  }

  /**
   * Whether the link at `path` resolves inside the package. The resolution follows the
   * links of the package itself, as the kernel would, because checking the target's text
   * alone is not enough: with `d/up -> ..`, the target `d/up/../x` reads as `d/x` but
   * leads to `../x`. Absolute targets and loops are outside by definition.
   */
  linkStaysInside(path: string): boolean {
    const target = this.linkTargets.get(path);
    if (target === undefined) return false;
    const resolved = path.split('/').slice(0, -1);
    const pending = splitReversed(target);
    if (pending === undefined) return false;
    let hops = 0;
    while (pending.length > 0) {
      const segment = pending.pop()!;
      if (segment === '' || segment === '.') continue;
      if (segment === '..') {
        if (resolved.length === 0) return false;
        resolved.pop();
        continue;
      }
      resolved.push(segment);
      const next = this.linkTargets.get(resolved.join('/'));
      if (next === undefined) continue;
      if (++hops > MAX_LINK_HOPS) return false;
      resolved.pop();
      const more = splitReversed(next);
      if (more === undefined) return false;
      pending.push(...more);
    }
    return true;
  }
}

/** A link target's segments in reverse (a stack), or undefined for an absolute target. */
function splitReversed(target: string): string[] | undefined {
  if (target.startsWith('/')) return undefined;
  return target.split('/').reverse();
}
