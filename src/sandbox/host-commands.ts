/**
 * Host tools the sandbox drivers run (`ip`, `nft`, `mkfs.ext4`, `mount`), without a shell.
 * `ip` and `nft` are fed their commands on stdin in batch mode: one process for any number of
 * changes, which is what makes preparing several namespaces at once cheap (~10 ms each,
 * nearly all of it the kernel's), and no shell in between.
 */
import { spawn } from 'node:child_process';

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

function run(command: string, args: readonly string[], input: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    child.once('error', (e) => reject(new HostCommandError(`${command}: ${e.message}`)));
    child.once('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString());
      else reject(new HostCommandError(`${command} ${args.join(' ')} failed (exit ${code}): ${Buffer.concat(err).toString().trim()}`));
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}
