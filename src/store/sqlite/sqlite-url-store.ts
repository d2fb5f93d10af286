/**
 * The embedded UrlStore: its own SQLite file (`<dataDir>/urls.db`) in WAL mode, with its
 * own migration list applied by the shared `migrate`. It stands apart from the metadata
 * database so that function URLs own their schema without contending for the one
 * `user_version` of gust.db; the price is that no foreign key ties a configuration to its
 * function, so UrlService removes the configurations of deleted functions and aliases
 * (on FunctionService's change events, and again when it loads).
 */
import Database from 'better-sqlite3';
import { ResourceConflictException } from '../../core/errors.js';
import type { UrlConfig } from '../../core/model/urls.js';
import type { UrlStore } from '../url-store.js';
import type { Migration } from './migrations.js';
import { openDurableDatabase } from './open-database.js';

/** The url store's schema, oldest first. Append only. */
export const URL_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'function URL configurations',
    up: (db) =>
      db.exec(`
        CREATE TABLE url_configs (
          url_id        TEXT PRIMARY KEY,
          function_name TEXT NOT NULL,
          -- '' for the unqualified function: NULLs would not collide in the unique index.
          qualifier     TEXT NOT NULL,
          doc           TEXT NOT NULL
        ) STRICT;
        CREATE UNIQUE INDEX url_configs_by_target ON url_configs (function_name, qualifier);
      `),
  },
];

/** The SQLite UrlStore. Open it with `SqliteUrlStore.open`. */
export class SqliteUrlStore implements UrlStore {
  private readonly list: Database.Statement<[], string>;
  private readonly listOf: Database.Statement<[string], string>;
  private readonly put: Database.Statement<[string, string, string, string]>;
  private readonly remove: Database.Statement<[string]>;

  private constructor(private readonly db: Database.Database) {
    this.list = db.prepare<[], string>('SELECT doc FROM url_configs ORDER BY function_name, qualifier').pluck();
    this.listOf = db.prepare<[string], string>('SELECT doc FROM url_configs WHERE function_name = ? ORDER BY qualifier').pluck();
    this.put = db.prepare(
      'INSERT INTO url_configs (url_id, function_name, qualifier, doc) VALUES (?, ?, ?, ?) ON CONFLICT (url_id) DO UPDATE SET function_name = excluded.function_name, qualifier = excluded.qualifier, doc = excluded.doc',
    );
    this.remove = db.prepare('DELETE FROM url_configs WHERE url_id = ?');
  }

  /** Opens (creating it if needed) the database at `path`; `:memory:` for tests. */
  static open(path: string): SqliteUrlStore {
    return new SqliteUrlStore(openDurableDatabase(path, URL_MIGRATIONS));
  }

  async listUrlConfigs(functionName?: string): Promise<UrlConfig[]> {
    return (functionName === undefined ? this.list.all() : this.listOf.all(functionName)).map((doc) => JSON.parse(doc) as UrlConfig);
  }

  async putUrlConfig(config: UrlConfig): Promise<void> {
    try {
      this.put.run(config.urlId, config.functionName, config.qualifier ?? '', JSON.stringify(config));
    } catch (err) {
      if (err instanceof Database.SqliteError && err.code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new ResourceConflictException(`A function URL configuration for ${config.functionName}${config.qualifier ? `:${config.qualifier}` : ''} already exists.`);
      }
      throw err;
    }
  }

  async deleteUrlConfig(urlId: string): Promise<void> {
    this.remove.run(urlId);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
