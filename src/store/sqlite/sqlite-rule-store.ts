/**
 * The embedded RuleStore: the `event_rules` and `event_targets` tables of the same SQLite
 * file as the MetadataStore (`gust.db`), through a connection of its own. WAL lets the two
 * connections of one process read concurrently, and `busy_timeout` makes a writer wait for
 * the other's short transactions; sharing the file keeps one schema version and one set of
 * migrations (migrations.ts, applied by whichever store opens the file first).
 */
import Database from 'better-sqlite3';
import { ResourceNotFoundException } from '../../core/errors.js';
import type { RuleRecord, TargetRecord } from '../../core/model/rules.js';
import type { RuleStore } from '../rule-store.js';

import { openDurableDatabase } from './open-database.js';

type Stmt<P extends unknown[], R = unknown> = Database.Statement<P, R>;

interface Statements {
  getRule: Stmt<[string, string], string>;
  listRules: Stmt<[string], string>;
  listAllRules: Stmt<[], string>;
  putRule: Stmt<[string, string, string]>;
  deleteRule: Stmt<[string, string]>;
  listTargets: Stmt<[string, string], string>;
  putTarget: Stmt<[string, string, string, string]>;
  removeTarget: Stmt<[string, string, string]>;
}

function prepare(db: Database.Database): Statements {
  // ON CONFLICT … DO UPDATE, not INSERT OR REPLACE: REPLACE deletes the old rule row, and
  // the delete would cascade to the rule's targets.
  return {
    getRule: db.prepare<[string, string], string>('SELECT doc FROM event_rules WHERE event_bus = ? AND name = ?').pluck(),
    listRules: db.prepare<[string], string>('SELECT doc FROM event_rules WHERE event_bus = ? ORDER BY name').pluck(),
    listAllRules: db.prepare<[], string>('SELECT doc FROM event_rules ORDER BY event_bus, name').pluck(),
    putRule: db.prepare('INSERT INTO event_rules (event_bus, name, doc) VALUES (?, ?, ?) ON CONFLICT (event_bus, name) DO UPDATE SET doc = excluded.doc'),
    deleteRule: db.prepare('DELETE FROM event_rules WHERE event_bus = ? AND name = ?'),
    listTargets: db.prepare<[string, string], string>('SELECT doc FROM event_targets WHERE event_bus = ? AND rule_name = ? ORDER BY id').pluck(),
    putTarget: db.prepare(
      'INSERT INTO event_targets (event_bus, rule_name, id, doc) VALUES (?, ?, ?, ?) ON CONFLICT (event_bus, rule_name, id) DO UPDATE SET doc = excluded.doc',
    ),
    removeTarget: db.prepare('DELETE FROM event_targets WHERE event_bus = ? AND rule_name = ? AND id = ?'),
  };
}

const parse = <T>(doc: string): T => JSON.parse(doc) as T;

/** The SQLite RuleStore. Open it with `SqliteRuleStore.open`. */
export class SqliteRuleStore implements RuleStore {
  private readonly stmts: Statements;
  private readonly writeTargets: (bus: string, rule: string, targets: TargetRecord[]) => void;
  private readonly deleteTargets: (bus: string, rule: string, ids: string[]) => void;

  private constructor(private readonly db: Database.Database) {
    this.stmts = prepare(db);
    this.writeTargets = db.transaction((bus: string, rule: string, targets: TargetRecord[]) => {
      for (const t of targets) this.stmts.putTarget.run(bus, rule, t.id, JSON.stringify(t));
    });
    this.deleteTargets = db.transaction((bus: string, rule: string, ids: string[]) => {
      for (const id of ids) this.stmts.removeTarget.run(bus, rule, id);
    });
  }

  /**
   * Opens (creating it and its directory if needed) the database at `path`, normally the
   * MetadataStore's `gust.db`, and brings its schema up to date. `:memory:` gives a private
   * in-memory store, for tests.
   */
  static open(path: string): SqliteRuleStore {
    return new SqliteRuleStore(openDurableDatabase(path));
  }

  async getRule(eventBusName: string, name: string): Promise<RuleRecord | undefined> {
    const doc = this.stmts.getRule.get(eventBusName, name);
    return doc === undefined ? undefined : parse<RuleRecord>(doc);
  }

  async listRules(eventBusName: string): Promise<RuleRecord[]> {
    return this.stmts.listRules.all(eventBusName).map((d) => parse<RuleRecord>(d));
  }

  async listAllRules(): Promise<RuleRecord[]> {
    return this.stmts.listAllRules.all().map((d) => parse<RuleRecord>(d));
  }

  async putRule(rule: RuleRecord): Promise<void> {
    this.stmts.putRule.run(rule.eventBusName, rule.name, JSON.stringify(rule));
  }

  async deleteRule(eventBusName: string, name: string): Promise<void> {
    this.stmts.deleteRule.run(eventBusName, name);
  }

  async listTargets(eventBusName: string, ruleName: string): Promise<TargetRecord[]> {
    return this.stmts.listTargets.all(eventBusName, ruleName).map((d) => parse<TargetRecord>(d));
  }

  async putTargets(eventBusName: string, ruleName: string, targets: TargetRecord[]): Promise<void> {
    try {
      this.writeTargets(eventBusName, ruleName, targets);
    } catch (err) {
      if (err instanceof Database.SqliteError && err.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
        throw new ResourceNotFoundException(`Rule ${ruleName} does not exist on EventBus ${eventBusName}.`);
      }
      throw err;
    }
  }

  async removeTargets(eventBusName: string, ruleName: string, ids: string[]): Promise<void> {
    this.deleteTargets(eventBusName, ruleName, ids);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
