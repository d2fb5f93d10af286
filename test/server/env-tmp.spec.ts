/**
 * A server killed with SIGKILL leaves its environments' temporary files (each up to its
 * ephemeral storage) in the data dir's env-tmp; the next `gust serve` on the data dir
 * removes them, and leaves alone the directory of a server that still runs there.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processStartTime } from '../../src/sandbox/server-instance.js';
import { envTmpEntries } from '../helpers/env-tmp.js';
import { crashRig, serve } from '../helpers/gust-process.js';
import { createFunction, invoke } from '../helpers/lambda.js';
import { waitUntil } from '../helpers/wait.js';

const WRITER = `
const fs = require('fs');
const os = require('os');
exports.handler = async () => {
  fs.writeFileSync(os.tmpdir() + '/scratch', Buffer.alloc(1 << 20));
  return os.tmpdir();
};
`;

describe('env-tmp after a killed server', () => {
  const rig = crashRig('gust-envtmp');

  it('is swept by the next server on the data dir, except for a server still running', { timeout: 120_000 }, async () => {
    rig.server = await serve(rig.dataDir, ['--sandbox', 'process']);
    await createFunction(rig.server.lambda, 'writer', { files: { 'index.js': WRITER } });
    const tmp = (await invoke(rig.server.lambda, 'writer')).json as string;
    expect(tmp.startsWith(join(rig.dataDir, 'env-tmp'))).toBe(true);
    const killed = envTmpEntries(rig.dataDir).map((e) => e.split('/')[0]!);
    expect(killed.length).toBeGreaterThan(0);

    rig.server.child.kill('SIGKILL');
    await rig.server.exited;
    expect(existsSync(join(tmp, 'scratch'))).toBe(true);
    // What a server of this (live) test process would have there.
    const live = join(rig.dataDir, 'env-tmp', `${process.pid}-${processStartTime(process.pid)}-5eed5eed`);
    mkdirSync(join(live, 'gust-env-kept'), { recursive: true });

    rig.server = await serve(rig.dataDir, ['--sandbox', 'process']);
    // Removed in the background, the directory's contents first.
    await waitUntil(() => killed.every((instance) => !existsSync(join(rig.dataDir, 'env-tmp', instance))), 10_000, 'the killed server\'s env-tmp to go');
    expect(existsSync(tmp)).toBe(false);
    expect(existsSync(join(live, 'gust-env-kept'))).toBe(true);
    await waitUntil(() => rig.server!.lines().some((l) => l.includes('env-tmp: removed the temporary files of')), 5_000, 'the sweep\'s log line');
    // The new server's own functions still get their TMPDIR.
    const now = (await invoke(rig.server.lambda, 'writer')).json as string;
    expect(existsSync(join(now, 'scratch'))).toBe(true);
  });
});
