import { readFileSync } from 'node:fs';

/**
 * Every mount point in Gust's mount namespace (the 5th field of /proc/self/mountinfo), with
 * the octal escapes mountinfo writes for a space, tab, newline or backslash undone.
 */
export function mountPoints(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
}
