/**
 * Host tools the sandbox drivers run (`ip`, `nft`, `mkfs.ext4`, `mount`), without a shell.
 * `ip` and `nft` are fed their commands on stdin in batch mode: one process for any number of
 * changes, which is what makes preparing several namespaces at once cheap (~10 ms each,
 * nearly all of it the kernel's), and no shell in between. Each runs through the spawner
 * (host-spawner.ts): the server's event loop never forks for them.
 */
import { hostSpawner, type HostRunResult } from './host-spawner.js';

export class HostCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostCommandError';
  }
}

/** Runs `ip -batch -` with `lines`, at the lowest priority when `nice` (work nothing waits for); rejects with ip's own message when one fails. */
export function ipBatch(lines: readonly string[], options: { nice?: boolean } = {}): Promise<string> {
  const input = lines.join('\n') + '\n';
  return options.nice ? run('nice', ['-n', '19', 'ip', '-batch', '-'], input) : run('ip', ['-batch', '-'], input);
}

/** Runs `nft -f -` with `script`. */
export function nftScript(script: string): Promise<string> {
  return run('nft', ['-f', '-'], script);
}

/** Runs a command with `args` (no stdin) and resolves with its stdout. */
export function runHost(command: string, args: readonly string[]): Promise<string> {
  return run(command, args, undefined);
}

async function run(command: string, args: readonly string[], input: string | undefined): Promise<string> {
  let result: HostRunResult;
  try {
    result = await hostSpawner().run(command, args, { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, input });
  } catch (e) {
    throw new HostCommandError(`${command}: ${(e as Error).message}`);
  }
  if (result.code === 0) return result.stdout;
  throw new HostCommandError(`${command} ${args.join(' ')} failed (exit ${result.code ?? result.signal}): ${result.stderr.trim()}`);
}
