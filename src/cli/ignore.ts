/**
 * `.gustignore`: which files `gust deploy` leaves out of a folder's zip. The syntax is
 * the simple part of `.gitignore`, so that users need to learn nothing new:
 *   - one pattern a line; blank lines and lines starting with `#` are skipped;
 *   - `name` or `*.log` (no slash) matches a file or directory of that name at any depth;
 *   - `dir/` (trailing slash) matches directories only;
 *   - a slash at the start or in the middle (`/build`, `docs/*.md`) anchors the pattern
 *     at the folder's root;
 *   - `*` and `?` match within one path segment, `**` across segments;
 *   - `!pattern` re-includes what an earlier pattern excluded (the last match wins), but
 *     not inside a directory that is excluded as a whole, which is never read.
 */

interface Rule {
  re: RegExp;
  /** Matched against the whole relative path rather than the last segment. */
  anchored: boolean;
  dirOnly: boolean;
  negated: boolean;
}

/** Patterns that apply to every deploy, whatever `.gustignore` says. */
export const ALWAYS_IGNORED = ['.git/', '**/node_modules/.cache/', '/.gustignore'];

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches zero or more directories; a trailing `**` matches everything below.
      if (glob[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else {
      re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

function parseRule(line: string): Rule | undefined {
  let pattern = line.replace(/\s+$/, '');
  if (pattern === '' || pattern.startsWith('#')) return undefined;
  const negated = pattern.startsWith('!');
  if (negated) pattern = pattern.slice(1);
  const dirOnly = pattern.endsWith('/');
  if (dirOnly) pattern = pattern.replace(/\/+$/, '');
  const anchored = pattern.includes('/');
  pattern = pattern.replace(/^\//, '');
  if (pattern === '') return undefined;
  return { re: globToRegExp(pattern), anchored, dirOnly, negated };
}

/** A compiled list of ignore patterns. */
export class IgnoreList {
  private readonly rules: Rule[];

  constructor(patterns: readonly string[]) {
    this.rules = patterns.map(parseRule).filter((r): r is Rule => r !== undefined);
  }

  /** Reads the text of a `.gustignore` file. */
  static parse(text: string): IgnoreList {
    return new IgnoreList(text.split(/\r?\n/));
  }

  /** Appends another list's patterns after this one's, so that they take precedence. */
  concat(other: IgnoreList): IgnoreList {
    const list = new IgnoreList([]);
    list.rules.push(...this.rules, ...other.rules);
    return list;
  }

  /**
   * Whether a path (relative to the folder, `/`-separated) is left out. A directory that
   * is left out is not descended into.
   */
  ignores(relPath: string, isDir: boolean): boolean {
    const base = relPath.slice(relPath.lastIndexOf('/') + 1);
    let ignored = false;
    for (const rule of this.rules) {
      if (rule.dirOnly && !isDir) continue;
      if (rule.re.test(rule.anchored ? relPath : base)) ignored = !rule.negated;
    }
    return ignored;
  }
}
