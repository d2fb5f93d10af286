/**
 * The UrlStore on PostgreSQL: one table in the account's schema, its own component in
 * `schema_version` (as urls.db has its own migration list). As in SQLite, no foreign key ties
 * a configuration to its function; UrlService removes those of deleted functions and aliases.
 */
import { ResourceConflictException } from '../../core/errors.js';
import type { UrlConfig } from '../../core/model/urls.js';
import type { UrlStore } from '../url-store.js';
import { isUniqueViolation } from './pg-errors.js';
import { migrate, type PgComponent } from './pg-migrations.js';
import type { PgSchema } from './pg-schema.js';

/** The url store's tables, oldest first. Append only. */
export const URL_COMPONENT: PgComponent = {
  name: 'urls',
  migrations: [
    {
      version: 1,
      description: 'function URL configurations',
      up: (s) => `
        CREATE TABLE ${s.table('url_configs')} (
          url_id        text COLLATE "C" PRIMARY KEY,
          function_name text COLLATE "C" NOT NULL,
          -- '' for the unqualified function: NULLs would not collide in the unique index.
          qualifier     text COLLATE "C" NOT NULL,
          doc           text NOT NULL
        );
        CREATE UNIQUE INDEX url_configs_by_target ON ${s.table('url_configs')} (function_name, qualifier);
      `,
    },
  ],
};

/** The PostgreSQL UrlStore. Open it with `PgUrlStore.open`. */
export class PgUrlStore implements UrlStore {
  private readonly list: string;
  private readonly listOf: string;
  private readonly put: string;
  private readonly remove: string;

  private constructor(private readonly schema: PgSchema) {
    const table = schema.table('url_configs');
    this.list = `SELECT doc FROM ${table} ORDER BY function_name, qualifier`;
    this.listOf = `SELECT doc FROM ${table} WHERE function_name = $1 ORDER BY qualifier`;
    this.put = `INSERT INTO ${table} (url_id, function_name, qualifier, doc) VALUES ($1, $2, $3, $4) ON CONFLICT (url_id) DO UPDATE SET function_name = excluded.function_name, qualifier = excluded.qualifier, doc = excluded.doc`;
    this.remove = `DELETE FROM ${table} WHERE url_id = $1`;
  }

  /** Brings the url tables of `schema` (created if needed) up to date and opens the store on them. */
  static async open(schema: PgSchema): Promise<PgUrlStore> {
    await migrate(schema, URL_COMPONENT);
    return new PgUrlStore(schema);
  }

  async listUrlConfigs(functionName?: string): Promise<UrlConfig[]> {
    const rows = functionName === undefined ? await this.schema.query<{ doc: string }>(this.list) : await this.schema.query<{ doc: string }>(this.listOf, [functionName]);
    return rows.map((r) => JSON.parse(r.doc) as UrlConfig);
  }

  async putUrlConfig(config: UrlConfig): Promise<void> {
    try {
      await this.schema.execute(this.put, [config.urlId, config.functionName, config.qualifier ?? '', JSON.stringify(config)]);
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new ResourceConflictException(`A function URL configuration for ${config.functionName}${config.qualifier ? `:${config.qualifier}` : ''} already exists.`);
      }
      throw err;
    }
  }

  async deleteUrlConfig(urlId: string): Promise<void> {
    await this.schema.execute(this.remove, [urlId]);
  }

  /** The pool is the server's: closing a store releases nothing of it. */
  async close(): Promise<void> {}
}
