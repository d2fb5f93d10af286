/**
 * Vitest global teardown: once every suite is done, nothing of the sandbox networks the
 * suites' servers made may be left on the host: no namespace, link or nftables table of a
 * slot that no running server holds (a Gust a developer runs beside the suite keeps its own).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

function held(slot: number): boolean {
  const file = `/run/gust/net/slot-${slot}`;
  if (!existsSync(file)) return false;
  try {
    process.kill(Number(readFileSync(file, 'utf8')), 0);
    return true;
  } catch {
    return false;
  }
}

function leftovers(): string[] {
  const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).stdout ?? '';
  const found: string[] = [];
  for (const line of run('ip', ['netns', 'list']).split('\n')) {
    const m = /^gust-(\d+)-\d+/.exec(line);
    if (m && !held(Number(m[1]))) found.push(`network namespace ${m[0]}`);
  }
  for (const line of run('ip', ['-o', 'link', 'show']).split('\n')) {
    const m = /^\d+:\s+(gust(\d+)(?:v\d+|gwx?))[@:]/.exec(line);
    if (m && !held(Number(m[2]))) found.push(`link ${m[1]}`);
  }
  for (const line of run('nft', ['list', 'tables']).split('\n')) {
    const m = /^table inet (gust(\d+))$/.exec(line.trim());
    if (m && !held(Number(m[2]))) found.push(`nftables table inet ${m[1]}`);
  }
  return found;
}

export default function setup(): () => void {
  return () => {
    if (process.getuid?.() !== 0) return;
    const found = leftovers();
    if (found.length > 0) throw new Error(`the suites left sandbox networking behind: ${found.join(', ')}`);
  };
}
