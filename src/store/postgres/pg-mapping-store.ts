/**
 * The MappingStore on PostgreSQL: one table in the account's schema, its own component in
 * `schema_version` (as mappings.db has its own migration list). No foreign key ties a mapping
 * to its function: AWS keeps a mapping whose function was deleted, and so does Gust.
 */
import type { EventSourceMapping } from '../../core/model/event-source-mappings.js';
import type { MappingStore } from '../mapping-store.js';
import { migrate, type PgComponent } from './pg-migrations.js';
import type { PgSchema } from './pg-schema.js';

/** The mapping store's tables, oldest first. Append only. */
export const MAPPING_COMPONENT: PgComponent = {
  name: 'mappings',
  migrations: [
    {
      version: 1,
      description: 'event source mappings',
      up: (s) => `
        CREATE TABLE ${s.table('event_source_mappings')} (
          uuid text COLLATE "C" PRIMARY KEY,
          doc  text NOT NULL
        );
      `,
    },
  ],
};

/** The PostgreSQL MappingStore. Open it with `PgMappingStore.open`. */
export class PgMappingStore implements MappingStore {
  private readonly list: string;
  private readonly put: string;
  private readonly remove: string;

  private constructor(private readonly schema: PgSchema) {
    const table = schema.table('event_source_mappings');
    this.list = `SELECT doc FROM ${table} ORDER BY uuid`;
    this.put = `INSERT INTO ${table} (uuid, doc) VALUES ($1, $2) ON CONFLICT (uuid) DO UPDATE SET doc = excluded.doc`;
    this.remove = `DELETE FROM ${table} WHERE uuid = $1`;
  }

  /** Brings the mapping tables of `schema` (created if needed) up to date and opens the store on them. */
  static async open(schema: PgSchema): Promise<PgMappingStore> {
    await migrate(schema, MAPPING_COMPONENT);
    return new PgMappingStore(schema);
  }

  async listMappings(): Promise<EventSourceMapping[]> {
    return (await this.schema.query<{ doc: string }>(this.list)).map((r) => JSON.parse(r.doc) as EventSourceMapping);
  }

  async putMapping(mapping: EventSourceMapping): Promise<void> {
    await this.schema.execute(this.put, [mapping.uuid, JSON.stringify(mapping)]);
  }

  async deleteMapping(uuid: string): Promise<void> {
    await this.schema.execute(this.remove, [uuid]);
  }

  /** The pool is the server's: closing a store releases nothing of it. */
  async close(): Promise<void> {}
}
