/**
 * The RuleStore on PostgreSQL: EventBridge rules and their targets in the account's schema.
 * In SQLite they share gust.db's migration list with the metadata; here they are their own
 * component in `schema_version`, since nothing ties their tables to the metadata's.
 */
import { ResourceNotFoundException } from '../../core/errors.js';
import type { RuleRecord, TargetRecord } from '../../core/model/rules.js';
import type { RuleStore } from '../rule-store.js';
import { isForeignKeyViolation } from './pg-errors.js';
import { migrate, type PgComponent } from './pg-migrations.js';
import type { PgSchema } from './pg-schema.js';

/** The rule store's tables, oldest first. Append only. */
export const RULE_COMPONENT: PgComponent = {
  name: 'rules',
  migrations: [
    {
      version: 1,
      description: 'EventBridge rules and their targets',
      up: (s) => `
        CREATE TABLE ${s.table('event_rules')} (
          event_bus text COLLATE "C" NOT NULL,
          name      text COLLATE "C" NOT NULL,
          doc       text NOT NULL,
          PRIMARY KEY (event_bus, name)
        );
        CREATE TABLE ${s.table('event_targets')} (
          event_bus text COLLATE "C" NOT NULL,
          rule_name text COLLATE "C" NOT NULL,
          id        text COLLATE "C" NOT NULL,
          doc       text NOT NULL,
          PRIMARY KEY (event_bus, rule_name, id),
          FOREIGN KEY (event_bus, rule_name) REFERENCES ${s.table('event_rules')} (event_bus, name) ON DELETE CASCADE
        );
      `,
    },
  ],
};

function sql(s: PgSchema) {
  const rules = s.table('event_rules');
  const targets = s.table('event_targets');
  // ON CONFLICT … DO UPDATE keeps the rule row: replacing it would cascade to its targets.
  return {
    getRule: `SELECT doc FROM ${rules} WHERE event_bus = $1 AND name = $2`,
    listRules: `SELECT doc FROM ${rules} WHERE event_bus = $1 ORDER BY name`,
    listAllRules: `SELECT doc FROM ${rules} ORDER BY event_bus, name`,
    putRule: `INSERT INTO ${rules} (event_bus, name, doc) VALUES ($1, $2, $3) ON CONFLICT (event_bus, name) DO UPDATE SET doc = excluded.doc`,
    deleteRule: `DELETE FROM ${rules} WHERE event_bus = $1 AND name = $2`,
    listTargets: `SELECT doc FROM ${targets} WHERE event_bus = $1 AND rule_name = $2 ORDER BY id`,
    // All targets of a call in one statement: all or none, one round trip.
    putTargets: `INSERT INTO ${targets} (event_bus, rule_name, id, doc) SELECT $1, $2, t.id, t.doc FROM unnest($3::text[], $4::text[]) AS t (id, doc) ON CONFLICT (event_bus, rule_name, id) DO UPDATE SET doc = excluded.doc`,
    removeTargets: `DELETE FROM ${targets} WHERE event_bus = $1 AND rule_name = $2 AND id = ANY ($3::text[])`,
  };
}

type DocRow = { doc: string };
const docs = <T>(rows: DocRow[]): T[] => rows.map((r) => JSON.parse(r.doc) as T);

/** The PostgreSQL RuleStore. Open it with `PgRuleStore.open`. */
export class PgRuleStore implements RuleStore {
  private readonly sql: ReturnType<typeof sql>;

  private constructor(private readonly schema: PgSchema) {
    this.sql = sql(schema);
  }

  /** Brings the rule tables of `schema` (created if needed) up to date and opens the store on them. */
  static async open(schema: PgSchema): Promise<PgRuleStore> {
    await migrate(schema, RULE_COMPONENT);
    return new PgRuleStore(schema);
  }

  async getRule(eventBusName: string, name: string): Promise<RuleRecord | undefined> {
    return docs<RuleRecord>(await this.schema.query<DocRow>(this.sql.getRule, [eventBusName, name]))[0];
  }

  async listRules(eventBusName: string): Promise<RuleRecord[]> {
    return docs(await this.schema.query<DocRow>(this.sql.listRules, [eventBusName]));
  }

  async listAllRules(): Promise<RuleRecord[]> {
    return docs(await this.schema.query<DocRow>(this.sql.listAllRules));
  }

  async putRule(rule: RuleRecord): Promise<void> {
    await this.schema.execute(this.sql.putRule, [rule.eventBusName, rule.name, JSON.stringify(rule)]);
  }

  async deleteRule(eventBusName: string, name: string): Promise<void> {
    await this.schema.execute(this.sql.deleteRule, [eventBusName, name]);
  }

  async listTargets(eventBusName: string, ruleName: string): Promise<TargetRecord[]> {
    return docs(await this.schema.query<DocRow>(this.sql.listTargets, [eventBusName, ruleName]));
  }

  async putTargets(eventBusName: string, ruleName: string, targets: TargetRecord[]): Promise<void> {
    // One statement may not upsert a row twice: a later target of the same id wins, as it
    // would written one by one.
    const byId = [...new Map(targets.map((t) => [t.id, t])).values()];
    try {
      await this.schema.execute(this.sql.putTargets, [eventBusName, ruleName, byId.map((t) => t.id), byId.map((t) => JSON.stringify(t))]);
    } catch (err) {
      if (isForeignKeyViolation(err)) throw new ResourceNotFoundException(`Rule ${ruleName} does not exist on EventBus ${eventBusName}.`);
      throw err;
    }
  }

  async removeTargets(eventBusName: string, ruleName: string, ids: string[]): Promise<void> {
    await this.schema.execute(this.sql.removeTargets, [eventBusName, ruleName, ids]);
  }

  /** The pool is the server's: closing a store releases nothing of it. */
  async close(): Promise<void> {}
}
