/**
 * Key files made by processes that start together on one shared key dir (the nodes of a
 * cluster, `gust keys`): a key file must never be seen before it is whole. One process (A)
 * loads the access-keys key under strace, which holds each of its writes for 300 ms; another
 * (B) waits until the key file exists, then loads it too. Both must print the same 32-byte
 * key. Written after an exclusive create, the file existed empty for those 300 ms and B took
 * the empty file for its key ("the secret box needs a 32-byte key", seen when three cluster
 * nodes started at once).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGust, ROOT } from '../helpers/gust-process.js';

const strace = spawnSync('strace', ['-V']).status === 0;
if (!strace) console.log('key-files-race.spec: skipped, strace is not installed (.ci/run installs it)');

/** Runs `body` in a node process of its own (under `prefix`), with `m` the built credentials-key module; resolves with what it printed. */
function run(prefix: string[], body: string): Promise<string> {
  const module = pathToFileURL(join(ROOT, 'dist/server/credentials-key.js')).href;
  const code = `const m = await import(${JSON.stringify(module)}); ${body}`;
  const [command, ...args] = [...prefix, process.execPath, '--input-type=module', '-e', code];
  return new Promise((resolve, reject) => {
    const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (status) => (status === 0 ? resolve(out.trim()) : reject(new Error(`${command} exited ${status}: ${err}`))));
  });
}

beforeAll(() => buildGust(), 120_000);

describe.skipIf(!strace)('a key file made by one process while another starts', () => {
  it('is never seen before it is whole: both processes get the same 32-byte key, and no staged file is left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gust-keys-race-'));
    try {
      const load = `console.log(m.loadKeyFile(${JSON.stringify(dir)}, m.KEY_FILE.accessKeys).toString('hex'));`;
      const slow = run(['strace', '-f', '-qq', '-o', '/dev/null', '-e', 'trace=write', '-e', 'inject=write:delay_enter=300000'], load);
      const waiting = `const { existsSync } = await import('node:fs'); const file = ${JSON.stringify(join(dir, 'access-keys.key'))}; while (!existsSync(file)) await new Promise((r) => setTimeout(r, 1)); ${load}`;
      const [a, b] = await Promise.all([slow, run([], waiting)]);
      expect(a).toMatch(/^[0-9a-f]{64}$/);
      expect(b).toBe(a);
      expect(readdirSync(dir)).toEqual(['access-keys.key']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
