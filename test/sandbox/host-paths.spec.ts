/**
 * What a function in a namespace sandbox can learn of the host's layout from its own mount
 * table and sockets: a Node function with two layers (a merged /opt tree) reads
 * /proc/self/mountinfo, /proc/self/mounts, /proc/self/mountstats and /proc/net/unix, and
 * none of them may name the data directory, the Gust checkout it runs from, or the cache
 * gust-init is built in. Before the sandbox volume, the binds' root field showed
 * `<data-dir>/blobs/code/<hash>`, `<data-dir>/sandbox/etc`, … and /proc/net/unix the Runtime
 * API socket's path under the data directory.
 *
 * Not asserted: the runtimes directory (here /var/cache/gust/runtimes, shared by servers),
 * whose interpreter and SDK binds still show their paths (docs/security.md says so).
 *
 * Then the volume across restarts: a stopped server leaves no mount, the next one mounts
 * the same image (code kept), and a mount a killed server left is taken over and unmounted
 * at the stop.
 *
 * Skipped, saying why, where the namespace driver or loop devices are unavailable.
 */
import { PublishLayerVersionCommand } from '@aws-sdk/client-lambda';
import { readFileSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { namespaceHostGap } from '../../src/sandbox/namespace/namespace-setup.js';
import { defaultBuildCache } from '../../src/sandbox/namespace/sandbox-host.js';
import { tmpDiskGap } from '../../src/sandbox/namespace/tmp-disks.js';
import { newDataDir, startTestGust, type TestGust } from '../helpers/gust.js';
import { createFunction, invoke } from '../helpers/lambda.js';
import { runHost } from '../../src/sandbox/host-commands.js';
import { makeZip } from '../helpers/zips.js';

const gap = namespaceHostGap() ?? tmpDiskGap();
if (gap) console.warn(`test/sandbox/host-paths.spec.ts skipped: the namespace driver or its volume cannot run here: ${gap}`);

const CHECKOUT = realpathSync(fileURLToPath(new URL('../..', import.meta.url)));
let t: TestGust | undefined;
// Kept across the restarts below (a server started on a given data directory leaves it).
const dataDir = newDataDir();

beforeAll(async () => {
  if (gap) return;
  t = await startTestGust({ dataDir, flags: { sandbox: 'namespace' } });
}, 120_000);

afterAll(async () => {
  await t?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it.skipIf(gap)('a function sees no host path of Gust in its mount table or its sockets', { timeout: 120_000 }, async () => {
  const layer = async (name: string) => (await t!.lambda.send(new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: await makeZip({ [`${name}.txt`]: name }) } }))).LayerVersionArn!;
  await createFunction(t!.lambda, 'reader', {
    Handler: 'index.handler',
    Layers: [await layer('first'), await layer('second')],
    files: {
      'index.js': `const fs = require('fs');
exports.handler = async () => {
  const read = (p) => fs.readFileSync(p, 'utf8');
  return { layers: read('/opt/first.txt') + read('/opt/second.txt'), mountinfo: read('/proc/self/mountinfo'), mounts: read('/proc/self/mounts'), mountstats: read('/proc/self/mountstats'), unix: read('/proc/net/unix') };
};`,
    },
  });
  const answer = await invoke(t!.lambda, 'reader');
  expect(answer.functionError, answer.text).toBeUndefined();
  const seen = answer.json as Record<string, string>;
  expect(seen.layers).toBe('firstsecond');
  // The code and /opt are bound at all: a test that read an empty table would prove nothing.
  expect(seen.mountinfo).toMatch(/ \/var\/task /);
  expect(seen.mountinfo).toMatch(/ \/opt /);
  expect(seen.unix).toMatch(/runtime-api\.sock/);
  const hostPaths = [t!.dataDir, realpathSync(t!.dataDir), CHECKOUT, defaultBuildCache()];
  for (const [file, text] of Object.entries(seen)) {
    for (const path of hostPaths) expect(text.includes(path), `${file} shows ${path}:\n${text}`).toBe(false);
  }
});

/** Whether `path` is a mount point in this (the servers') mount namespace. */
function mounted(path: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === path);
}

it.skipIf(gap)('keeps the volume across a stop and a kill: unmounted at each stop, its code served after each start', { timeout: 120_000 }, async () => {
  const volume = join(dataDir, 'sandbox', 'volume');
  expect(mounted(volume)).toBe(true);
  await t!.stop();
  expect(mounted(volume)).toBe(false);

  t = await startTestGust({ dataDir, flags: { sandbox: 'namespace' } });
  const again = await invoke(t!.lambda, 'reader');
  expect(again.functionError, again.text).toBeUndefined();
  expect((again.json as Record<string, string>).layers).toBe('firstsecond');
  await t!.stop();

  // As a killed server leaves it: the image still mounted.
  await runHost('mount', ['-o', 'loop,nosuid,nodev,noatime,discard', join(dataDir, 'sandbox', 'volume.img'), volume]);
  t = await startTestGust({ dataDir, flags: { sandbox: 'namespace' } });
  const afterKill = await invoke(t!.lambda, 'reader');
  expect(afterKill.functionError, afterKill.text).toBeUndefined();
  await t!.stop();
  t = undefined;
  expect(mounted(volume)).toBe(false);
});
