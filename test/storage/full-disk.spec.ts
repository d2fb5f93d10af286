/**
 * A full data disk, with `gust serve` as a real process on a small tmpfs the test mounts
 * as its data dir (root only; skipped with the reason elsewhere). Once a filler file has
 * taken every free byte: a CreateFunction is refused with an AWS error that says the disk
 * is full, a warm function still answers, every other write answers either normally or
 * with that error (SQLite may still have room in its log), DeleteFunction works (on the
 * space of the reserve Gust keeps), the process survives its log store's flushes, and it logs exactly one line about the disk;
 * once the filler goes, it says so and creates work again.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, rmdirSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateFunctionCommand, DeleteFunctionCommand, GetFunctionCommand, TagResourceCommand } from '@aws-sdk/client-lambda';
import { buildGust, serve, stopServer, type ServerProcess } from '../helpers/gust-process.js';
import { ARN_PREFIX, caught, createFunction, expectAwsError, invoke, ROLE } from '../helpers/lambda.js';
import { makeZip } from '../helpers/zips.js';
import { waitFor } from '../helpers/wait.js';

// Logs `event.logBytes` bytes of lines, so that the log store must grow its file.
const HANDLER = `exports.handler = async (event) => {
  for (let i = 0; i < (event.logBytes ?? 0); i += 1000) console.log('x'.repeat(1000));
  return { echo: event };
};`;
/** Code no function has yet: stored code is shared, so the same bytes would need no space. */
const NEW_CODE = `${HANDLER}\n// new`;
const DISK_FULL = /no space left on Gust's data disk/i;

function mountTmpfs(dir: string, size: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs (${(err as Error).message.split('\n')[0]}): needs root`;
  }
}

/** Writes zeros to `path` until the disk refuses any more. */
function fill(path: string): number {
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    for (const size of [1024 * 1024, 4096]) {
      const chunk = Buffer.alloc(size);
      for (;;) {
        try {
          written += writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

const dir = mkdtempSync(join(tmpdir(), 'gust-full-disk-'));
const cannotMount = process.getuid?.() === 0 ? mountTmpfs(dir, '40m') : 'needs root to mount a tmpfs';
if (cannotMount) console.log(`skipping the full-disk suite: ${cannotMount}`);

describe.skipIf(cannotMount !== undefined)('a full data disk (tmpfs, gust serve)', () => {
  let server: ServerProcess;
  const filler = join(dir, 'filler');
  const diskLines = () => server.lines().filter((l) => l.includes('data disk'));

  beforeAll(async () => {
    buildGust();
    server = await serve(dir, ['--sandbox', 'process', '--disk-reserve-bytes', String(4 * 1024 * 1024)]);
    await createFunction(server.lambda, 'kept', { files: { 'index.js': HANDLER } });
    await createFunction(server.lambda, 'doomed', { files: { 'index.js': HANDLER } });
    expect((await invoke(server.lambda, 'kept', { n: 1 })).json).toMatchObject({ echo: { n: 1 } });
    expect(statSync(join(dir, 'reserve')).size).toBe(4 * 1024 * 1024);
    expect(fill(filler)).toBeGreaterThan(0);
  }, 120_000);

  afterAll(async () => {
    await stopServer(server);
    try {
      execFileSync('umount', [dir], { stdio: 'pipe' });
    } finally {
      rmdirSync(dir);
    }
  });

  it('refuses a new function with an AWS error that names the full disk', async () => {
    const create = server.lambda.send(
      new CreateFunctionCommand({ FunctionName: 'new', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await makeZip({ 'index.js': NEW_CODE }) } }),
    );
    await expectAwsError(create, 'CodeStorageExceededException', 400, DISK_FULL);
  });

  it('keeps invoking a warm function, and answers other writes normally or with the same clear error', async () => {
    expect((await invoke(server.lambda, 'kept', { n: 2 })).json).toMatchObject({ echo: { n: 2 } });
    const tag = await caught(server.lambda.send(new TagResourceCommand({ Resource: `${ARN_PREFIX}kept`, Tags: { a: 'b' } })));
    if (tag) expect({ name: tag.name, message: tag.message }).toMatchObject({ name: 'ServiceException', message: expect.stringMatching(DISK_FULL) });
    const event = await fetch(`${server.url}/2015-03-31/functions/kept/invocations`, { method: 'POST', headers: { 'x-amz-invocation-type': 'Event' }, body: '{}' });
    if (event.status !== 202) {
      expect(event.status).toBe(500);
      expect(event.headers.get('x-amzn-errortype')).toBe('ServiceException');
      expect(((await event.json()) as { Message: string }).Message).toMatch(DISK_FULL);
    }
  });

  it('outlives its log store flushes on the full disk', async () => {
    for (let i = 0; i < 5; i++) {
      await invoke(server.lambda, 'kept', { i, logBytes: 500_000 });
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(server.child.exitCode).toBeNull();
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('deletes a function on the full disk, with the space of its reserve', async () => {
    await server.lambda.send(new DeleteFunctionCommand({ FunctionName: 'doomed' }));
    await expectAwsError(server.lambda.send(new GetFunctionCommand({ FunctionName: 'doomed' })), 'ResourceNotFoundException', 404);
    expect(existsSync(join(dir, 'reserve'))).toBe(false);
  });

  it('logged one line about the disk; once there is room it says so and creates work again', async () => {
    expect(diskLines()).toHaveLength(1);
    expect(diskLines()[0]).toMatch(/data disk full: no space left under/);
    rmSync(filler);
    await waitFor('the server to see the free space', () => (diskLines().length === 2 ? true : undefined), 15_000, 100);
    expect(diskLines()[1]).toMatch(/data disk has space again/);
    // The log store dropped (and counted) what it could not write, instead of dying.
    expect((JSON.parse(diskLines()[1]!) as { droppedLogLines: number }).droppedLogLines).toBeGreaterThan(0);
    expect(statSync(join(dir, 'reserve')).size).toBe(4 * 1024 * 1024);
    await createFunction(server.lambda, 'new', { files: { 'index.js': NEW_CODE } });
    expect((await invoke(server.lambda, 'new', { n: 3 })).json).toMatchObject({ echo: { n: 3 } });
  }, 30_000);
});
