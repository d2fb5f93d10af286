/**
 * `gust serve` as users run it: `node <root>/bin/gust.js serve --port 0 …` as a real child
 * process, its URL read from the 'gust listening' log line, an SDK client pointed at it.
 * bin/gust.js runs the compiled dist/: callers build first (scripts/build-if-needed.js).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LambdaClient } from '@aws-sdk/client-lambda';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface Server {
  child: ChildProcess;
  url: string;
  lambda: LambdaClient;
  exited: Promise<number | null>;
}

/** Starts `gust serve` from the package at `root` with `args` after `--port 0 --log-level info`. */
export function serveGust(args: readonly string[], root = ROOT): Promise<Server> {
  const child = spawn(process.execPath, [join(root, 'bin/gust.js'), 'serve', '--port', '0', '--log-level', 'info', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolveServer, reject) => {
    let buffered = '';
    let found = false;
    child.stdout!.on('data', (d: Buffer) => {
      if (found) return; // keep draining the pipe, read nothing more
      buffered += d.toString();
      for (const line of buffered.split('\n')) {
        if (!line.includes('gust listening')) continue;
        found = true;
        const url = (JSON.parse(line) as { url: string }).url;
        resolveServer({ child, url, exited, lambda: new LambdaClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 }) });
      }
    });
    void exited.then((code) => {
      if (!found) reject(new Error(`gust serve exited (${code}) before listening: ${stderr}`));
    });
  });
}

/** SIGTERM and wait for the exit; nothing when it is gone already. */
export async function stopServer(server: Server | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.lambda.destroy();
  server.child.kill('SIGTERM');
  await server.exited;
}
