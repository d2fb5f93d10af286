/**
 * The embedded MetadataStore: one SQLite file in WAL mode through better-sqlite3.
 * better-sqlite3 is synchronous, so every method does its work before its promise is
 * created; the async signatures exist for networked implementations.
 */
import Database from 'better-sqlite3';
import { InvalidParameterValueException, ResourceNotFoundException, isDiskFull } from '../../core/errors.js';
import type { Alias, FunctionRecord, FunctionVersion, ProvisionedConcurrencyConfig } from '../../core/model/functions.js';
import type { LayerVersion } from '../../core/model/layers.js';
import type { ResourcePolicy } from '../../core/model/policies.js';
import { functionToStore, type MetadataStore, type StoreWrite } from '../metadata-store.js';

import { openDurableDatabase } from './open-database.js';

type Db = Database.Database;
type Stmt<P extends unknown[], R = unknown> = Database.Statement<P, R>;

/** Options of the SQLite MetadataStore. */
export interface SqliteMetadataStoreOptions {
  /**
   * Space to give up when a delete finds the disk full (see DiskReserve): the delete is
   * retried once after `release()` freed some, so that deleting is how a full disk is mended.
   */
  reserve?: { release(): boolean };
}

/** The statements, prepared once per connection. */
interface Statements {
  getFunction: Stmt<[string], string>;
  listFunctions: Stmt<[], string>;
  putFunction: Stmt<[string, string]>;
  deleteFunction: Stmt<[string]>;
  getVersion: Stmt<[string, string], string>;
  listVersions: Stmt<[string], string>;
  listAllVersions: Stmt<[], string>;
  putVersion: Stmt<[string, string, number, string]>;
  deleteVersion: Stmt<[string, string]>;
  getAlias: Stmt<[string, string], string>;
  listAliases: Stmt<[string], string>;
  putAlias: Stmt<[string, string, string]>;
  deleteAlias: Stmt<[string, string]>;
  listProvisioned: Stmt<[], string>;
  listProvisionedOf: Stmt<[string], string>;
  putProvisioned: Stmt<[string, string, string]>;
  deleteProvisioned: Stmt<[string, string]>;
  listPolicies: Stmt<[], string>;
  listPoliciesOf: Stmt<[string], string>;
  putPolicy: Stmt<[string, string, string]>;
  deletePolicy: Stmt<[string, string]>;
  getLayerVersion: Stmt<[string, number], string>;
  listLayerVersions: Stmt<[string], string>;
  listLayerNames: Stmt<[], string>;
  nextLayerVersion: Stmt<[string], number>;
  useLayerVersion: Stmt<[string, number]>;
  putLayerVersion: Stmt<[string, number, string]>;
  deleteLayerVersion: Stmt<[string, number]>;
}

function prepare(db: Db): Statements {
  // Upserts use ON CONFLICT … DO UPDATE, never INSERT OR REPLACE: REPLACE deletes the old
  // row first, and deleting a function row would cascade to its versions and aliases.
  return {
    getFunction: db.prepare<[string], string>('SELECT doc FROM functions WHERE name = ?').pluck(),
    listFunctions: db.prepare<[], string>('SELECT doc FROM functions ORDER BY name').pluck(),
    putFunction: db.prepare('INSERT INTO functions (name, doc) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET doc = excluded.doc'),
    deleteFunction: db.prepare('DELETE FROM functions WHERE name = ?'),
    getVersion: db.prepare<[string, string], string>('SELECT doc FROM versions WHERE function_name = ? AND version = ?').pluck(),
    listVersions: db.prepare<[string], string>('SELECT doc FROM versions WHERE function_name = ? ORDER BY version_order').pluck(),
    listAllVersions: db.prepare<[], string>('SELECT doc FROM versions ORDER BY function_name, version_order').pluck(),
    putVersion: db.prepare(
      'INSERT INTO versions (function_name, version, version_order, doc) VALUES (?, ?, ?, ?) ON CONFLICT (function_name, version) DO UPDATE SET doc = excluded.doc',
    ),
    deleteVersion: db.prepare('DELETE FROM versions WHERE function_name = ? AND version = ?'),
    getAlias: db.prepare<[string, string], string>('SELECT doc FROM aliases WHERE function_name = ? AND name = ?').pluck(),
    listAliases: db.prepare<[string], string>('SELECT doc FROM aliases WHERE function_name = ? ORDER BY name').pluck(),
    putAlias: db.prepare('INSERT INTO aliases (function_name, name, doc) VALUES (?, ?, ?) ON CONFLICT (function_name, name) DO UPDATE SET doc = excluded.doc'),
    deleteAlias: db.prepare('DELETE FROM aliases WHERE function_name = ? AND name = ?'),
    listProvisioned: db.prepare<[], string>('SELECT doc FROM provisioned_concurrency ORDER BY function_name, qualifier').pluck(),
    listProvisionedOf: db.prepare<[string], string>('SELECT doc FROM provisioned_concurrency WHERE function_name = ? ORDER BY qualifier').pluck(),
    putProvisioned: db.prepare(
      'INSERT INTO provisioned_concurrency (function_name, qualifier, doc) VALUES (?, ?, ?) ON CONFLICT (function_name, qualifier) DO UPDATE SET doc = excluded.doc',
    ),
    deleteProvisioned: db.prepare('DELETE FROM provisioned_concurrency WHERE function_name = ? AND qualifier = ?'),
    listPolicies: db.prepare<[], string>('SELECT doc FROM resource_policies ORDER BY function_name, qualifier').pluck(),
    listPoliciesOf: db.prepare<[string], string>('SELECT doc FROM resource_policies WHERE function_name = ? ORDER BY qualifier').pluck(),
    putPolicy: db.prepare(
      'INSERT INTO resource_policies (function_name, qualifier, doc) VALUES (?, ?, ?) ON CONFLICT (function_name, qualifier) DO UPDATE SET doc = excluded.doc',
    ),
    deletePolicy: db.prepare('DELETE FROM resource_policies WHERE function_name = ? AND qualifier = ?'),
    getLayerVersion: db.prepare<[string, number], string>('SELECT doc FROM layer_versions WHERE layer_name = ? AND version = ?').pluck(),
    listLayerVersions: db.prepare<[string], string>('SELECT doc FROM layer_versions WHERE layer_name = ? ORDER BY version DESC').pluck(),
    listLayerNames: db.prepare<[], string>('SELECT DISTINCT layer_name FROM layer_versions ORDER BY layer_name').pluck(),
    nextLayerVersion: db
      .prepare<[string], number>(
        'INSERT INTO layer_counters (layer_name, last_version) VALUES (?, 1) ON CONFLICT (layer_name) DO UPDATE SET last_version = last_version + 1 RETURNING last_version',
      )
      .pluck(),
    useLayerVersion: db.prepare(
      'INSERT INTO layer_counters (layer_name, last_version) VALUES (?, ?) ON CONFLICT (layer_name) DO UPDATE SET last_version = max(last_version, excluded.last_version)',
    ),
    putLayerVersion: db.prepare(
      'INSERT INTO layer_versions (layer_name, version, doc) VALUES (?, ?, ?) ON CONFLICT (layer_name, version) DO UPDATE SET doc = excluded.doc',
    ),
    deleteLayerVersion: db.prepare('DELETE FROM layer_versions WHERE layer_name = ? AND version = ?'),
  };
}

/** The sort key of a version: `$LATEST` before every published number. */
function versionOrder(version: string): number {
  if (version === '$LATEST') return 0;
  if (!/^[1-9][0-9]{0,15}$/.test(version)) {
    throw new InvalidParameterValueException(`Version '${version}' is neither $LATEST nor a published version number.`);
  }
  return Number(version);
}

function parse<T>(doc: string): T {
  return JSON.parse(doc) as T;
}

function isForeignKeyError(err: unknown): boolean {
  return err instanceof Database.SqliteError && err.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** The SQLite MetadataStore. Open it with `SqliteMetadataStore.open`. */
export class SqliteMetadataStore implements MetadataStore {
  private readonly stmts: Statements;
  private readonly runBatch: (writes: StoreWrite[]) => void;
  private readonly putLayer: (layer: LayerVersion) => void;

  private constructor(
    private readonly db: Db,
    private readonly options: SqliteMetadataStoreOptions,
  ) {
    this.stmts = prepare(db);
    this.runBatch = db.transaction((writes: StoreWrite[]) => {
      for (const w of writes) this.apply(w);
    });
    this.putLayer = db.transaction((layer: LayerVersion) => {
      this.stmts.useLayerVersion.run(layer.layerName, layer.version);
      this.stmts.putLayerVersion.run(layer.layerName, layer.version, JSON.stringify(layer));
    });
  }

  /**
   * Opens (creating it and its parent directory if needed) the database at `path` and
   * brings its schema up to date. `:memory:` gives a private in-memory store, for tests.
   * Throws DatabaseVersionError for a database written by a newer Gust.
   */
  static open(path: string, options: SqliteMetadataStoreOptions = {}): SqliteMetadataStore {
    return new SqliteMetadataStore(openDurableDatabase(path), options);
  }

  async getFunction(name: string): Promise<FunctionRecord | undefined> {
    const doc = this.stmts.getFunction.get(name);
    return doc === undefined ? undefined : parse<FunctionRecord>(doc);
  }

  async listFunctions(): Promise<FunctionRecord[]> {
    return this.stmts.listFunctions.all().map((d) => parse<FunctionRecord>(d));
  }

  async putFunction(record: FunctionRecord): Promise<void> {
    this.apply({ kind: 'putFunction', record });
  }

  async deleteFunction(name: string): Promise<void> {
    // Versions and aliases go with it through ON DELETE CASCADE, in the same statement.
    this.deleting(() => this.stmts.deleteFunction.run(name));
  }

  async getVersion(functionName: string, version: string): Promise<FunctionVersion | undefined> {
    const doc = this.stmts.getVersion.get(functionName, version);
    return doc === undefined ? undefined : parse<FunctionVersion>(doc);
  }

  async listVersions(functionName: string): Promise<FunctionVersion[]> {
    return this.stmts.listVersions.all(functionName).map((d) => parse<FunctionVersion>(d));
  }

  async listAllVersions(): Promise<FunctionVersion[]> {
    return this.stmts.listAllVersions.all().map((d) => parse<FunctionVersion>(d));
  }

  async putVersion(version: FunctionVersion): Promise<void> {
    this.apply({ kind: 'putVersion', version });
  }

  async deleteVersion(functionName: string, version: string): Promise<void> {
    this.deleting(() => this.apply({ kind: 'deleteVersion', functionName, version }));
  }

  async getAlias(functionName: string, name: string): Promise<Alias | undefined> {
    const doc = this.stmts.getAlias.get(functionName, name);
    return doc === undefined ? undefined : parse<Alias>(doc);
  }

  async listAliases(functionName: string): Promise<Alias[]> {
    return this.stmts.listAliases.all(functionName).map((d) => parse<Alias>(d));
  }

  async putAlias(alias: Alias): Promise<void> {
    this.apply({ kind: 'putAlias', alias });
  }

  async deleteAlias(functionName: string, name: string): Promise<void> {
    this.deleting(() => this.apply({ kind: 'deleteAlias', functionName, name }));
  }

  async listProvisionedConfigs(functionName?: string): Promise<ProvisionedConcurrencyConfig[]> {
    const docs = functionName === undefined ? this.stmts.listProvisioned.all() : this.stmts.listProvisionedOf.all(functionName);
    return docs.map((d) => parse<ProvisionedConcurrencyConfig>(d));
  }

  async listPolicies(functionName?: string): Promise<ResourcePolicy[]> {
    const docs = functionName === undefined ? this.stmts.listPolicies.all() : this.stmts.listPoliciesOf.all(functionName);
    return docs.map((d) => parse<ResourcePolicy>(d));
  }

  async getLayerVersion(layerName: string, version: number): Promise<LayerVersion | undefined> {
    const doc = this.stmts.getLayerVersion.get(layerName, version);
    return doc === undefined ? undefined : parse<LayerVersion>(doc);
  }

  async listLayerVersions(layerName: string): Promise<LayerVersion[]> {
    return this.stmts.listLayerVersions.all(layerName).map((d) => parse<LayerVersion>(d));
  }

  async listLayerNames(): Promise<string[]> {
    return this.stmts.listLayerNames.all();
  }

  async nextLayerVersionNumber(layerName: string): Promise<number> {
    const n = this.stmts.nextLayerVersion.get(layerName);
    if (n === undefined) throw new Error('RETURNING gave no row');
    return n;
  }

  async putLayerVersion(layer: LayerVersion): Promise<void> {
    if (!Number.isSafeInteger(layer.version) || layer.version < 1) {
      throw new InvalidParameterValueException(`Layer version ${layer.version} is not a positive integer.`);
    }
    this.putLayer(layer);
  }

  async deleteLayerVersion(layerName: string, version: number): Promise<void> {
    this.deleting(() => this.stmts.deleteLayerVersion.run(layerName, version));
  }

  async batch(writes: StoreWrite[]): Promise<void> {
    if (writes.every((w) => w.kind === 'deleteVersion' || w.kind === 'deleteAlias' || w.kind === 'deleteProvisioned' || w.kind === 'deletePolicy')) {
      this.deleting(() => this.runBatch(writes));
    } else this.runBatch(writes);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** One write; inside `batch` it joins the batch's transaction. */
  private apply(w: StoreWrite): void {
    const s = this.stmts;
    switch (w.kind) {
      case 'putFunction': {
        const stored = s.getFunction.get(w.record.name);
        const record = functionToStore(w, stored === undefined ? undefined : parse<FunctionRecord>(stored));
        s.putFunction.run(record.name, JSON.stringify(record));
        return;
      }
      case 'putVersion': {
        const v = w.version;
        const order = versionOrder(v.version);
        this.owned(v.functionName, () => s.putVersion.run(v.functionName, v.version, order, JSON.stringify(v)));
        return;
      }
      case 'deleteVersion':
        s.deleteVersion.run(w.functionName, w.version);
        return;
      case 'putAlias': {
        const a = w.alias;
        this.owned(a.functionName, () => s.putAlias.run(a.functionName, a.name, JSON.stringify(a)));
        return;
      }
      case 'deleteAlias':
        s.deleteAlias.run(w.functionName, w.name);
        return;
      case 'putProvisioned': {
        const c = w.config;
        this.owned(c.functionName, () => s.putProvisioned.run(c.functionName, c.qualifier, JSON.stringify(c)));
        return;
      }
      case 'deleteProvisioned':
        s.deleteProvisioned.run(w.functionName, w.qualifier);
        return;
      case 'putPolicy': {
        const p = w.policy;
        this.owned(p.functionName, () => s.putPolicy.run(p.functionName, p.qualifier ?? '', JSON.stringify(p)));
        return;
      }
      case 'deletePolicy':
        s.deletePolicy.run(w.functionName, w.qualifier ?? '');
        return;
      default:
        throw new Error(`Unknown store write: ${JSON.stringify(w satisfies never)}`);
    }
  }

  /** Runs a delete; on a full disk, once more after the reserve gave its space back. */
  private deleting(write: () => unknown): void {
    try {
      write();
    } catch (err) {
      if (!isDiskFull(err) || !this.options.reserve?.release()) throw err;
      write();
    }
  }

  /** Runs a write of something that belongs to a function, naming the function if it is gone. */
  private owned(functionName: string, write: () => void): void {
    try {
      write();
    } catch (err) {
      if (isForeignKeyError(err)) throw new ResourceNotFoundException(`Function not found: ${functionName}`);
      throw err;
    }
  }
}
