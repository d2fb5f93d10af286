/**
 * The embedded MappingStore: its own SQLite file (`<dataDir>/mappings.db`, own migration
 * list), as function URLs have urls.db, so that event source mappings own their schema
 * without contending for gust.db's one `user_version`. No foreign key ties a mapping to its
 * function: AWS keeps a mapping whose function was deleted (it reports the problem in
 * LastProcessingResult), and so does Gust.
 */
import type Database from 'better-sqlite3';
import type { EventSourceMapping } from '../../core/model/event-source-mappings.js';
import type { MappingStore } from '../mapping-store.js';
import type { Migration } from './migrations.js';
import { openDurableDatabase } from './open-database.js';

/** The mapping store's schema, oldest first. Append only. */
export const MAPPING_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'event source mappings',
    up: (db) =>
      db.exec(`
        CREATE TABLE event_source_mappings (
          uuid TEXT PRIMARY KEY,
          doc  TEXT NOT NULL
        ) STRICT;
      `),
  },
];

/** The SQLite MappingStore. Open it with `SqliteMappingStore.open`. */
export class SqliteMappingStore implements MappingStore {
  private readonly list: Database.Statement<[], string>;
  private readonly put: Database.Statement<[string, string]>;
  private readonly remove: Database.Statement<[string]>;

  private constructor(private readonly db: Database.Database) {
    this.list = db.prepare<[], string>('SELECT doc FROM event_source_mappings ORDER BY uuid').pluck();
    this.put = db.prepare('INSERT INTO event_source_mappings (uuid, doc) VALUES (?, ?) ON CONFLICT (uuid) DO UPDATE SET doc = excluded.doc');
    this.remove = db.prepare('DELETE FROM event_source_mappings WHERE uuid = ?');
  }

  /** Opens (creating it if needed) the database at `path`; `:memory:` for tests. */
  static open(path: string): SqliteMappingStore {
    return new SqliteMappingStore(openDurableDatabase(path, MAPPING_MIGRATIONS));
  }

  async listMappings(): Promise<EventSourceMapping[]> {
    return this.list.all().map((doc) => JSON.parse(doc) as EventSourceMapping);
  }

  async putMapping(mapping: EventSourceMapping): Promise<void> {
    this.put.run(mapping.uuid, JSON.stringify(mapping));
  }

  async deleteMapping(uuid: string): Promise<void> {
    this.remove.run(uuid);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
