import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { sampleFunction, sampleVersion } from '../metadata-store.contract.js';
import { DatabaseVersionError } from '../database-version-error.js';
import { MIGRATIONS, migrate, schemaVersion, type Migration } from './migrations.js';
import { SqliteMetadataStore } from './sqlite-metadata-store.js';

const root = mkdtempSync(join(tmpdir(), 'gust-migrations-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
const open: Database.Database[] = [];
function freshDb(): { db: Database.Database; path: string } {
  const path = join(root, `db-${n++}.sqlite`);
  const db = new Database(path);
  open.push(db);
  return { db, path };
}
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
});

const table = (name: string): Migration['up'] => (db) => db.exec(`CREATE TABLE ${name} (id INTEGER PRIMARY KEY) STRICT`);

describe('migrations', () => {
  it('numbers the released migrations 1, 2, 3, … in order', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('brings an empty database to the last version', () => {
    const { db } = freshDb();
    migrate(db);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    const tables = db.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(['aliases', 'event_rules', 'event_targets', 'functions', 'layer_counters', 'layer_versions', 'provisioned_concurrency', 'resource_policies', 'versions']);
  });

  it('applies only the migrations after the database version', () => {
    const { db } = freshDb();
    const applied: number[] = [];
    const steps: Migration[] = [1, 2, 3].map((v) => ({ version: v, description: `t${v}`, up: (d) => { applied.push(v); table(`t${v}`)(d); } }));
    migrate(db, steps.slice(0, 1));
    expect(schemaVersion(db)).toBe(1);
    migrate(db, steps);
    expect(applied).toEqual([1, 2, 3]);
    expect(schemaVersion(db)).toBe(3);
    migrate(db, steps);
    expect(applied).toEqual([1, 2, 3]);
  });

  it('rolls back a failing migration with its version bump, keeping the earlier ones', () => {
    const { db } = freshDb();
    const steps: Migration[] = [
      { version: 1, description: 'ok', up: table('t1') },
      { version: 2, description: 'fails half-way', up: (d) => { table('t2')(d); throw new Error('boom'); } },
    ];
    expect(() => migrate(db, steps)).toThrow('boom');
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 't2'").pluck().get()).toBe(0);
  });

  it('refuses a list whose numbering has a gap', () => {
    const { db } = freshDb();
    expect(() => migrate(db, [{ version: 2, description: 'x', up: table('t') }])).toThrow('Migration 1 is numbered 2');
  });

  it('opens a database written at an earlier version and keeps its data', async () => {
    const { db, path } = freshDb();
    migrate(db, MIGRATIONS.slice(0, 1));
    db.close();
    const store = SqliteMetadataStore.open(path);
    await store.putFunction(sampleFunction('f'));
    await store.putVersion(sampleVersion('f', '$LATEST'));
    await store.close();
    const again = SqliteMetadataStore.open(path);
    try {
      expect(await again.getVersion('f', '$LATEST')).toEqual(sampleVersion('f', '$LATEST'));
    } finally {
      await again.close();
    }
  });

  it('refuses a database from a newer Gust, and leaves it untouched', () => {
    const { db, path } = freshDb();
    migrate(db);
    const newer = MIGRATIONS.length + 1;
    db.pragma(`user_version = ${newer}`);
    db.close();
    const attempt = () => SqliteMetadataStore.open(path);
    expect(attempt).toThrow(DatabaseVersionError);
    expect(attempt).toThrow(
      `The database ${path} has schema version ${newer}, but this Gust knows schema versions up to ${MIGRATIONS.length}: it was written by a newer Gust. Upgrade Gust, or point it at another data directory.`,
    );
    const check = new Database(path, { readonly: true });
    try {
      expect(schemaVersion(check)).toBe(newer);
    } finally {
      check.close();
    }
  });
});
