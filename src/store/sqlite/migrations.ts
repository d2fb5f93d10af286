/**
 * The SQLite schema as an ordered list of migrations. `PRAGMA user_version` records how
 * many have been applied; opening a database applies the missing ones, each in its own
 * transaction together with the version bump, so a crash mid-migration leaves the database
 * at the previous version rather than half-migrated. A migration, once released, is never
 * edited: a schema change is a new entry at the end.
 */
import type Database from 'better-sqlite3';
import { DatabaseVersionError } from '../database-version-error.js';

/** One step of the schema. `version` is its position in MIGRATIONS, counting from 1. */
export interface Migration {
  version: number;
  description: string;
  up(db: Database.Database): void;
}

/**
 * Records are JSON documents (`doc`); the other columns are the keys that lookups and
 * orderings need. Tables are STRICT so a wrongly typed key fails loudly.
 */
const initialSchema = `
  CREATE TABLE functions (
    name TEXT PRIMARY KEY,
    doc  TEXT NOT NULL
  ) STRICT;

  CREATE TABLE versions (
    function_name TEXT NOT NULL REFERENCES functions (name) ON DELETE CASCADE,
    version       TEXT NOT NULL,
    -- 0 for $LATEST, else the published number: sorts numerically, $LATEST first.
    version_order INTEGER NOT NULL,
    doc           TEXT NOT NULL,
    PRIMARY KEY (function_name, version)
  ) STRICT;
  CREATE INDEX versions_by_order ON versions (function_name, version_order);

  CREATE TABLE aliases (
    function_name TEXT NOT NULL REFERENCES functions (name) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    doc           TEXT NOT NULL,
    PRIMARY KEY (function_name, name)
  ) STRICT;

  -- The highest number each layer has used; rows are never deleted, so numbers are never
  -- reused even after every version of a layer is gone.
  CREATE TABLE layer_counters (
    layer_name   TEXT PRIMARY KEY,
    last_version INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE layer_versions (
    layer_name TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version > 0),
    doc        TEXT NOT NULL,
    PRIMARY KEY (layer_name, version)
  ) STRICT;
`;

/**
 * EventBridge rules, keyed by event bus and name, and their targets, which go with their
 * rule (ON DELETE CASCADE, like versions with their function).
 */
const eventRulesSchema = `
  CREATE TABLE event_rules (
    event_bus TEXT NOT NULL,
    name      TEXT NOT NULL,
    doc       TEXT NOT NULL,
    PRIMARY KEY (event_bus, name)
  ) STRICT;

  CREATE TABLE event_targets (
    event_bus TEXT NOT NULL,
    rule_name TEXT NOT NULL,
    id        TEXT NOT NULL,
    doc       TEXT NOT NULL,
    PRIMARY KEY (event_bus, rule_name, id),
    FOREIGN KEY (event_bus, rule_name) REFERENCES event_rules (event_bus, name) ON DELETE CASCADE
  ) STRICT;
`;

/**
 * Provisioned concurrency configurations, keyed by function and qualifier (a version
 * number or an alias name), going with their function.
 */
const provisionedConcurrencySchema = `
  CREATE TABLE provisioned_concurrency (
    function_name TEXT NOT NULL REFERENCES functions (name) ON DELETE CASCADE,
    qualifier     TEXT NOT NULL,
    doc           TEXT NOT NULL,
    PRIMARY KEY (function_name, qualifier)
  ) STRICT;
`;

/**
 * Resource-based policies (AddPermission), one row per function, version or alias, going
 * with their function. The function's own policy has the qualifier '' (a primary key
 * column cannot be NULL, and no version or alias is named '').
 */
const resourcePoliciesSchema = `
  CREATE TABLE resource_policies (
    function_name TEXT NOT NULL REFERENCES functions (name) ON DELETE CASCADE,
    qualifier     TEXT NOT NULL,
    doc           TEXT NOT NULL,
    PRIMARY KEY (function_name, qualifier)
  ) STRICT;
`;

/** Every migration, oldest first. Append only. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'functions, versions, aliases, layer versions and layer counters',
    up: (db) => db.exec(initialSchema),
  },
  {
    version: 2,
    description: 'EventBridge rules and their targets',
    up: (db) => db.exec(eventRulesSchema),
  },
  {
    version: 3,
    description: 'provisioned concurrency configurations',
    up: (db) => db.exec(provisionedConcurrencySchema),
  },
  {
    version: 4,
    description: 'resource-based policies of functions, versions and aliases',
    up: (db) => db.exec(resourcePoliciesSchema),
  },
];

/** The schema version a database has, from its header. */
export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database up to the last migration. Refuses a database written by a newer
 * Gust: its schema may hold data this build would misread or silently drop.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migration ${i + 1} is numbered ${m.version}; migrations must be numbered 1, 2, 3, …`);
  });
  const current = schemaVersion(db);
  const latest = migrations.length;
  if (current > latest) {
    throw new DatabaseVersionError(
      `The database ${db.name} has schema version ${current}, but this Gust knows schema versions up to ${latest}: it was written by a newer Gust. Upgrade Gust, or point it at another data directory.`,
    );
  }
  for (const m of migrations.slice(current)) {
    db.transaction(() => {
      m.up(db);
      // user_version lives in the database header, which SQLite writes inside the
      // transaction: the bump commits or rolls back with the migration.
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}
