import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { redactedUrl } from './postgres-backend.js';
import { openStateBackend, StateUnavailableError } from './state-backend.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('openStateBackend', () => {
  it('sqlite: the server\'s own account in the data dir, the others found under accounts/', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gust-backend-'));
    dirs.push(dataDir);
    const backend = await openStateBackend({ store: 'sqlite', dataDir, accountId: '000000000000' }, pino({ level: 'silent' }));
    expect(backend.kind).toBe('sqlite');
    expect(await backend.otherAccounts()).toEqual([]);
    const stores = await backend.openAccount('000000000000', { reserve: { release: () => false }, logRetention: {}, onLogWriteFailure: () => undefined });
    for (const store of [stores.mappings, stores.queues, stores.logs, stores.urls, stores.events, stores.rules, stores.metadata]) await store.close();
    mkdirSync(join(dataDir, 'accounts', '222222222222'), { recursive: true });
    mkdirSync(join(dataDir, 'accounts', '111111111111'), { recursive: true });
    mkdirSync(join(dataDir, 'accounts', 'not-an-account'), { recursive: true });
    expect(await backend.otherAccounts()).toEqual(['111111111111', '222222222222']);
  });

  it('postgres: a database that does not answer fails at once, naming it without its password', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const opening = openStateBackend({ store: 'postgres://gust:secret@127.0.0.1:1/gust', dataDir: '.', accountId: '000000000000' }, pino({ level: 'silent' }));
    await expect(opening).rejects.toBeInstanceOf(StateUnavailableError);
    await expect(opening).rejects.toThrow('cannot reach the PostgreSQL of --store postgres://gust:***@127.0.0.1:1/gust: connect ECONNREFUSED 127.0.0.1:1');
  });
});

describe('redactedUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactedUrl('postgres://gust:s3cr%40t@db.example:5432/gust?sslmode=require')).toBe('postgres://gust:***@db.example:5432/gust?sslmode=require');
    expect(redactedUrl('postgres://gust@db/gust')).toBe('postgres://gust@db/gust');
    expect(redactedUrl('postgres://[bad')).toBe('postgres://…');
  });
});
