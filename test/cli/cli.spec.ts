/**
 * The `gust` CLI as users run it: `node bin/gust.js` spawned as a real process against a
 * real server, with the endpoint from GUST_ENDPOINT (see ./support.ts).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { GetFunctionCommand, GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { buildCli, runGust, SLOW, succeeded, type Run } from './support.js';

let t: TestGust;
let work: string;

function gust(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return runGust(args, { cwd: work, endpoint: t.url, env });
}

/** Expects success with nothing on stderr, and returns stdout. */
async function ok(args: string[]): Promise<string> {
  return succeeded(await gust(args), args);
}

/** Entries of a zip with their Unix permission bits. */
function zipEntries(zip: Buffer): Promise<Map<string, number>> {
  return new Promise((done, fail) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, file) => {
      if (err || !file) return fail(err);
      const entries = new Map<string, number>();
      file.on('entry', (e: yauzl.Entry) => {
        entries.set(e.fileName, (e.externalFileAttributes >>> 16) & 0o777);
        file.readEntry();
      });
      file.on('end', () => done(entries));
      file.on('error', fail);
      file.readEntry();
    });
  });
}

async function deployedZip(name: string): Promise<Buffer> {
  const fn = await t.lambda.send(new GetFunctionCommand({ FunctionName: name }));
  const res = await fetch(fn.Code!.Location!);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

function write(path: string, text: string, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, mode);
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

beforeAll(buildCli, 180_000);

beforeAll(async () => {
  t = await startTestGust();
  work = mkdtempSync(join(tmpdir(), 'gust-cli-'));
  const app = join(work, 'hello');
  write(join(app, 'index.js'), 'exports.handler = async () => "v1";\n');
  write(join(app, 'lib/util.js'), 'module.exports = 1;\n');
  write(join(app, 'run.sh'), '#!/bin/sh\necho hi\n', 0o755);
  write(join(app, 'node_modules/dep/index.js'), 'module.exports = 2;\n');
  write(join(app, 'node_modules/.cache/big.bin'), 'cache');
  write(join(app, '.git/HEAD'), 'ref: refs/heads/main\n');
  write(join(app, 'secrets.txt'), 'hunter2');
  write(join(app, 'logs/today.log'), 'log');
  write(join(app, 'lib/scratch.tmp'), 'tmp');
  write(join(app, '.gustignore'), '# local only\nsecrets.txt\nlogs/\n*.tmp\n');
});

afterAll(async () => {
  await t?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('gust deploy', SLOW, () => {
  it('creates a function from a folder, honouring .gustignore and keeping executable bits', async () => {
    const out = await ok(['deploy', 'hello']);
    expect(out).toMatch(/^created hello \(nodejs20\.x, /);
    expect(out).toContain('arn:aws:lambda:us-east-1:000000000000:function:hello');

    const entries = await zipEntries(await deployedZip('hello'));
    expect([...entries.keys()].sort()).toEqual(['index.js', 'lib/util.js', 'node_modules/dep/index.js', 'run.sh']);
    expect(entries.get('run.sh')).toBe(0o755);
    expect(entries.get('index.js')).toBe(0o644);

    const config = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'hello' }));
    expect(config).toMatchObject({ State: 'Active', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: 'arn:aws:iam::000000000000:role/gust' });
  });

  it('updates code and configuration of an existing function', async () => {
    const before = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'hello' }));
    write(join(work, 'hello/index.js'), 'exports.handler = async () => "v2";\n');
    const out = await ok(['deploy', 'hello', '--memory', '256', '--timeout', '10', '--env', 'GREETING=hi', '--env', 'PAIR=a=b']);
    expect(out).toMatch(/^updated hello /);

    const after = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'hello' }));
    expect(after.CodeSha256).not.toBe(before.CodeSha256);
    expect(after).toMatchObject({ MemorySize: 256, Timeout: 10, LastUpdateStatus: 'Successful', Environment: { Variables: { GREETING: 'hi', PAIR: 'a=b' } } });
    // Flags not given keep their values.
    expect(after.Handler).toBe('index.handler');
  });

  it('deploys a zip file under a chosen name and prints JSON on --json', async () => {
    const zip = await deployedZip('hello');
    writeFileSync(join(work, 'bundle.zip'), zip);
    const run = await gust(['deploy', 'bundle.zip', '--name', 'from-zip', '--runtime', 'nodejs22.x', '--json']);
    expect(run.code).toBe(0);
    const parsed = JSON.parse(run.stdout) as { Action: string; Configuration: { FunctionName: string; Runtime: string } };
    expect(parsed.Action).toBe('created');
    expect(parsed.Configuration).toMatchObject({ FunctionName: 'from-zip', Runtime: 'nodejs22.x' });
    expect(parsed).not.toHaveProperty('$metadata');
  });
});

describe('gust ls, info, publish, rm', SLOW, () => {
  it('lists functions as an aligned table and as JSON', async () => {
    const lines = (await ok(['ls'])).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+RUNTIME\s+MEMORY\s+TIMEOUT\s+CODE\s+LAST MODIFIED$/);
    const row = lines.find((l) => l.startsWith('hello '));
    expect(row).toMatch(/^hello\s+nodejs20\.x\s+256 MB\s+10 s\s+/);
    // Aligned: every row's second column starts where the header's does.
    const col = lines[0]!.indexOf('RUNTIME');
    for (const line of lines.slice(1)) expect(line[col - 1]).toBe(' ');

    const json = JSON.parse(await ok(['ls', '--json'])) as { Functions: { FunctionName: string }[] };
    expect(json.Functions.map((f) => f.FunctionName).sort()).toEqual(['from-zip', 'hello']);
  });

  it('shows one function', async () => {
    const out = await ok(['info', 'hello']);
    expect(out).toMatch(/^Name\s+hello$/m);
    expect(out).toMatch(/^Memory\s+256 MB$/m);
    expect(out).toMatch(/^Environment\s+GREETING=hi PAIR=a=b$/m);
    const json = JSON.parse(await ok(['--json', 'info', 'hello'])) as { Configuration: { FunctionName: string }; Code: { Location: string } };
    expect(json.Configuration.FunctionName).toBe('hello');
    expect(json.Code.Location).toContain('/gust/code/');
  });

  it('publishes versions', async () => {
    expect(await ok(['publish', 'hello'])).toMatch(/^published hello version 1\n.*:function:hello:1\n$/);
    write(join(work, 'hello/index.js'), 'exports.handler = async () => "v3";\n');
    await ok(['deploy', 'hello']);
    const json = JSON.parse(await ok(['publish', 'hello', '--description', 'third', '--json'])) as { Version: string; Description: string };
    expect(json).toMatchObject({ Version: '2', Description: 'third' });
  });

  it('removes a function, and then reports it missing in one line', async () => {
    expect(await ok(['rm', 'from-zip'])).toBe('deleted from-zip\n');
    const run = await gust(['info', 'from-zip']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^gust: ResourceNotFoundException: Function not found: arn:aws:lambda:us-east-1:000000000000:function:from-zip\n$/);
  });
});

describe('failures', SLOW, () => {
  it('says in one line that the server cannot be reached; --endpoint beats GUST_ENDPOINT', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const viaEnv = await gust(['ls'], { GUST_ENDPOINT: url });
    expect(viaEnv.code).toBe(1);
    expect(viaEnv.stderr).toBe(`gust: cannot reach Gust at ${url}: is 'gust serve' running?\n`);

    const viaFlag = await gust(['--endpoint', url, 'ls']);
    expect(viaFlag.stderr).toBe(`gust: cannot reach Gust at ${url}: is 'gust serve' running?\n`);
    const flagWins = await gust(['ls', '--endpoint', t.url], { GUST_ENDPOINT: url });
    expect(flagWins.code).toBe(0);
  });

  it('reports bad arguments and bad paths in one line', async () => {
    for (const args of [['deploy', 'hello', '--memory', 'lots'], ['deploy', 'no-such-dir'], ['deploy', 'hello', '--env', 'NOEQUALS'], ['frobnicate'], ['--endpoint', 'ftp://x', 'ls']]) {
      const run = await gust(args);
      expect(run.code, args.join(' ')).not.toBe(0);
      expect(run.stderr, args.join(' ')).toMatch(/^gust: [^\n]+\n$/);
      expect(run.stderr).not.toMatch(/\bat .*\.js:\d+/);
    }
  });
});
