/**
 * Runs the host tools an install needs (tar, apt-get, dpkg-deb, npm) and turns their
 * failure into one line that says which tool failed and what it printed last.
 */
import { execFile } from 'node:child_process';

/** Why an install could not finish; the message is what the function's StateReason says. */
export class RuntimeInstallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeInstallError';
  }
}

export interface ToolOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Runs `command` and resolves with its stdout; rejects with a RuntimeInstallError. */
export function runTool(command: string, args: readonly string[], options: ToolOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return reject(new RuntimeInstallError(`${command} is not installed on this host`));
      const lines = `${stderr}\n${stdout}`.split('\n').map((l) => l.trim()).filter((l) => l && !/^(W|N): /.test(l));
      reject(new RuntimeInstallError(`${command} ${args[0] ?? ''} failed: ${lines.slice(-2).join(' ') || err.message}`));
    });
  });
}
