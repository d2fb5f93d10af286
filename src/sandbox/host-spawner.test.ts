import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { allProcesses, gone, processInfo } from '../../test/helpers/processes.js';
import { HostSpawner, type HostChild } from './host-spawner.js';

function collect(stream: Readable | null | undefined): () => string {
  let text = '';
  stream!.on('data', (d: Buffer) => (text += d.toString()));
  return () => text;
}

function closed(child: HostChild): Promise<[number | null, NodeJS.Signals | null]> {
  return new Promise((resolve) => child.once('close', (code: number | null, signal: NodeJS.Signals | null) => resolve([code, signal])));
}

/** The direct children of this process (the spawner among them). */
function ourChildren(): number[] {
  return allProcesses()
    .filter((p) => p.ppid === process.pid)
    .map((p) => p.pid);
}

function parentOf(pid: number): number {
  return processInfo(pid)?.ppid ?? 0;
}

describe('HostSpawner', () => {
  let spawner: HostSpawner;
  afterEach(() => spawner.close());

  it("starts a child whose pipes the caller owns both ways, with a file as a descriptor, and reports its end as ChildProcess does", async () => {
    spawner = new HostSpawner();
    const dir = mkdtempSync(join(tmpdir(), 'gust-spawner-'));
    writeFileSync(join(dir, 'given'), 'from a file\n', { mode: 0o600 });
    const child = await spawner.spawn('/bin/sh', ['-c', 'echo early >&2; read line; echo "got $line"; cat <&3; exit 3'], { env: {}, stdio: ['pipe', 'pipe', 'pipe', { file: join(dir, 'given') }] });
    rmSync(dir, { recursive: true });
    const out = collect(child.stdout);
    const err = collect(child.stderr);
    const exited = new Promise((resolve) => child.once('exit', (...args) => resolve(args)));
    (child.stdio[0] as Writable).end('hello\n');
    expect(await closed(child)).toEqual([3, null]);
    expect(await exited).toEqual([3, null]);
    expect(child.exitCode).toBe(3);
    // Written before the pipe was handed over, and still delivered here.
    expect(err()).toBe('early\n');
    expect(out()).toBe('got hello\nfrom a file\n');
  });

  it('forks in its own process: the child is not the caller’s', async () => {
    spawner = new HostSpawner();
    const before = ourChildren();
    const child = await spawner.spawn('/bin/sleep', ['10'], { env: {}, stdio: ['ignore', 'ignore', 'ignore'] });
    expect(ourChildren()).not.toContain(child.pid);
    const spawnerPid = parentOf(child.pid!);
    expect(spawnerPid).not.toBe(process.pid);
    expect(ourChildren()).toContain(spawnerPid);
    expect(before).not.toContain(child.pid);
    process.kill(child.pid!, 'SIGTERM');
    expect(await closed(child)).toEqual([null, 'SIGTERM']);
  });

  it('rejects a command that does not exist with the error spawn gives, and runs commands to their end', async () => {
    spawner = new HostSpawner();
    await expect(spawner.spawn('/nonexistent/cmd', [], { env: {}, stdio: ['ignore'] })).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(spawner.run('/nonexistent/cmd', [], { env: {} })).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await spawner.run('/bin/sh', ['-c', 'cat; echo oops >&2; exit 4'], { env: {}, input: 'in' })).toEqual({ code: 4, signal: null, stdout: 'in', stderr: 'oops\n' });
    expect(await spawner.run('/usr/bin/env', [], { env: { ONLY: 'this' } })).toMatchObject({ code: 0, stdout: 'ONLY=this\n' });
  });

  it('reports its running children killed when the spawner dies, and starts a new spawner for the next', async () => {
    spawner = new HostSpawner();
    const child = await spawner.spawn('/bin/sleep', ['30'], { env: {}, stdio: ['ignore', 'pipe', 'pipe'] });
    const first = parentOf(child.pid!);
    // A command run to its end, with a child of its own: neither may go on unseen.
    const running = spawner.run('/bin/sh', ['-c', 'sleep 30 & wait'], { env: {} }).then(
      () => 'finished',
      (err: Error) => err.message,
    );
    let grandchild: number | undefined;
    for (let i = 0; i < 500 && grandchild === undefined; i++) {
      await new Promise((r) => setTimeout(r, 10));
      grandchild = allProcesses().find((p) => p.name === 'sleep' && parentOf(p.ppid) === first)?.pid;
    }
    expect(grandchild).toBeDefined();
    process.kill(first, 'SIGKILL');
    expect(await closed(child)).toEqual([null, 'SIGKILL']);
    expect(await running).toMatch(/spawner process ended/);
    // A SIGKILLed process shows as running until the kernel has scheduled its end.
    for (let i = 0; i < 500 && !(gone(grandchild!) && gone(child.pid!)); i++) await new Promise((r) => setTimeout(r, 10));
    expect(gone(grandchild!)).toBe(true);
    expect(gone(child.pid!)).toBe(true);
    const next = await spawner.spawn('/bin/true', [], { env: {}, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(await closed(next)).toEqual([0, null]);
    expect(await spawner.run('/bin/echo', ['again'], { env: {} })).toMatchObject({ code: 0, stdout: 'again\n' });
  });
});
