import { readFileSync, realpathSync } from 'node:fs';
import { runHost } from '../host-commands.js';

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

/**
 * Lazily unmounts everything mounted under `dir` (not `dir` itself), in one `umount`:
 * before a recursive delete there, which across a mount would delete the mounted files.
 * What cannot be unmounted stays (a later sweep meets it again).
 */
export async function unmountUnder(dir: string): Promise<void> {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    return;
  }
  const points = mountPoints().filter((p) => p.startsWith(`${real}/`));
  if (points.length > 0) await runHost('umount', ['-R', '-l', ...points]).catch(() => undefined);
}
