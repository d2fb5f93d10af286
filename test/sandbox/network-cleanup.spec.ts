/**
 * The sandbox network leaves nothing behind: a server stopped as usual takes down its
 * namespaces, links, nftables table and slot; one killed with SIGKILL leaves them, and the
 * next server to claim the slot sweeps them before using it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { namespaceHostGap } from '../../src/sandbox/namespace/namespace-setup.js';
import { crashRig, serve, stopServer, type ServerProcess } from '../helpers/gust-process.js';
import { invoke, createFunction } from '../helpers/lambda.js';
import { testRuntimesDir } from '../helpers/runtimes.js';

const gap = namespaceHostGap() ?? (spawnSync('nft', ['--version']).status === 0 ? undefined : 'needs nftables (nft)');
if (gap) console.warn(`test/sandbox/network-cleanup.spec.ts skipped: ${gap}`);

/** The server's slot, from the line it logs once it has chosen its driver (before it answers anything but /health). */
function slotOf(server: ServerProcess): number {
  const line = server.lines().find((l) => l.includes('"sandbox":"namespace"'));
  return (JSON.parse(line!) as { slot: number }).slot;
}

/** What of slot `n` exists on the host now. */
function leftovers(n: number): { namespaces: string[]; links: string[]; table: boolean } {
  const namespaces = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((name) => name.startsWith(`gust-${n}-`));
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? '')
    .filter((l) => l.startsWith(`gust${n}v`) || l.startsWith(`gust${n}gw`));
  const table = spawnSync('nft', ['list', 'table', 'inet', `gust${n}`]).status === 0;
  return { namespaces, links, table };
}

/**
 * What of slot `n` exists while no server holds it, or undefined when one held it before or
 * after the listing: another suite's server may claim a free slot, and its own namespaces
 * are none of the stopped server's leftovers.
 */
function unclaimed(n: number): ReturnType<typeof leftovers> | undefined {
  if (holder(n) !== undefined) return undefined;
  const found = leftovers(n);
  return holder(n) === undefined ? found : undefined;
}

/** The pid holding slot `n`, if its file exists. */
function holder(n: number): number | undefined {
  const file = `/run/gust/net/slot-${n}`;
  return existsSync(file) ? Number(readFileSync(file, 'utf8')) : undefined;
}

describe.skipIf(gap !== undefined)('sandbox network clean-up', () => {
  const rig = crashRig('gust-net-cleanup');
  const args = ['--sandbox', 'namespace', '--runtimes-dir', testRuntimesDir()];
  let second: ServerProcess | undefined;
  const extra: ServerProcess[] = [];
  const extraDirs: string[] = [];
  afterAll(async () => {
    await stopServer(second);
    for (const server of extra) await stopServer(server);
    for (const dir of extraDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('a killed server leaves its slot to be swept by the next; a stopped one leaves nothing', async () => {
    rig.server = await serve(rig.dataDir, args);
    await createFunction(rig.server.lambda, 'f', { files: { 'index.js': 'exports.handler = async () => "up";' } });
    const slot = slotOf(rig.server);
    expect((await invoke(rig.server.lambda, 'f')).json).toBe('up');
    const before = leftovers(slot);
    expect(before.table).toBe(true);
    expect(before.namespaces.length).toBeGreaterThan(0);
    expect(holder(slot)).toBe(rig.server.child.pid);

    rig.server.child.kill('SIGKILL');
    await rig.server.exited;
    // Nothing took the slot down: the next server must.
    expect(leftovers(slot).table).toBe(true);

    second = await serve(rig.dataDir, args);
    expect((await invoke(second.lambda, 'f')).json).toBe('up');
    const secondSlot = slotOf(second);
    // A server takes the lowest free slot: where a lower one came free meanwhile (another
    // suite's server stopped), more servers start until the dead slot is claimed, by one of
    // them or by another suite's server. Each holds its slot, so at most 16 are needed.
    for (let i = 0; i < 16 && holder(slot) === rig.server.child.pid; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'gust-net-cleanup-more-'));
      extraDirs.push(dir);
      const more = await serve(dir, args);
      extra.push(more);
      // Its slot is claimed once it has started (the driver is chosen after it listens).
      await more.lambda.send(new ListFunctionsCommand({}));
    }
    // What is there now belongs to the live owner of the slot, none of it to the dead server.
    const swept = unclaimed(slot);
    if (swept) expect(swept).toEqual({ namespaces: [], links: [], table: false });
    else expect(holder(slot)).not.toBe(rig.server.child.pid);

    await stopServer(second);
    const left = unclaimed(secondSlot);
    if (left) expect(left).toEqual({ namespaces: [], links: [], table: false });
    expect(holder(secondSlot)).not.toBe(second.child.pid);
  });
});
