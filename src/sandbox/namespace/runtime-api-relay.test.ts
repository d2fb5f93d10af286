import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listenRuntimeApi, listenRuntimeApiLater, MAX_RUNTIME_API_CONNECTIONS, type RuntimeApiListener } from './runtime-api-relay.js';

const dirs: string[] = [];
const listeners: RuntimeApiListener[] = [];
const clients: Socket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  for (const l of listeners.splice(0)) await l.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function socketPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gust-relay-'));
  dirs.push(dir);
  return join(dir, 'runtime-api.sock');
}

/** Connects to `path`: 'open' if the connection still stands after 300 ms, else 'closed'. */
function outcome(path: string): Promise<'open' | 'closed'> {
  return new Promise((resolve) => {
    const s = connect(path);
    clients.push(s);
    s.on('error', () => resolve('closed'));
    s.on('close', () => resolve('closed'));
    setTimeout(() => resolve('open'), 300);
  });
}

describe('the Runtime API socket of a sandbox', () => {
  it('hands each connection to the endpoint, and keeps at most 16 at once whoever connects', async () => {
    const accepted: Socket[] = [];
    const path = socketPath();
    listeners.push((await listenRuntimeApi(path, { env: {}, runtimeApi: { accept: (s) => void accepted.push(s) } }))!);
    const outcomes = await Promise.all(Array.from({ length: MAX_RUNTIME_API_CONNECTIONS + 8 }, () => outcome(path)));
    expect(outcomes.filter((o) => o === 'open').length).toBe(MAX_RUNTIME_API_CONNECTIONS);
    expect(accepted.length).toBe(MAX_RUNTIME_API_CONNECTIONS);
    // A connection that ends makes room for another.
    accepted[0]!.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await outcome(path)).toBe('open');
  });

  it('listens before its sandbox has a function: holds connections, unread, until pointed at an endpoint, then hands them over with what they sent', async () => {
    const path = socketPath();
    const pending = await listenRuntimeApiLater(path);
    listeners.push(pending);
    const early = connect(path);
    clients.push(early);
    early.write('GET /next');
    expect(await outcome(path)).toBe('open');
    const received: string[] = [];
    pending.to({ accept: (s) => s.on('data', (d: Buffer) => received.push(d.toString())) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toEqual(['GET /next']);
  });

  it('counts held connections in the cap, and closes them with itself', async () => {
    const path = socketPath();
    const pending = await listenRuntimeApiLater(path);
    listeners.push(pending);
    const outcomes = await Promise.all(Array.from({ length: MAX_RUNTIME_API_CONNECTIONS + 4 }, () => outcome(path)));
    expect(outcomes.filter((o) => o === 'open').length).toBe(MAX_RUNTIME_API_CONNECTIONS);
    const held = clients.filter((_, i) => outcomes[i] === 'open');
    const ended = Promise.all(held.map((c) => new Promise((resolve) => c.once('close', resolve))));
    await pending.close();
    listeners.pop();
    await ended;
  });
});
