/**
 * The MetadataStore on PostgreSQL: the tables of sqlite/migrations.ts (records as JSON text
 * beside the keys that lookups and orderings need) in an account's schema. Keys are `text
 * COLLATE "C"`, so ORDER BY gives code-unit order whatever the database's default collation;
 * records are `text`, not `jsonb`, because jsonb refuses `\u0000` and lone surrogates that
 * JSON.stringify writes for strings a user may send, and reorders keys: text gives back
 * exactly what was stored, and nothing here queries inside a record.
 */
import { InvalidParameterValueException, ResourceNotFoundException } from '../../core/errors.js';
import type { Alias, FunctionRecord, FunctionVersion, ProvisionedConcurrencyConfig } from '../../core/model/functions.js';
import type { LayerVersion } from '../../core/model/layers.js';
import type { ResourcePolicy } from '../../core/model/policies.js';
import { functionToStore, type MetadataStore, type StoreWrite } from '../metadata-store.js';
import { isForeignKeyViolation } from './pg-errors.js';
import { migrate, type PgComponent } from './pg-migrations.js';
import type { PgQueryable, PgSchema } from './pg-schema.js';

/** The metadata tables, oldest first. Append only. */
export const METADATA_COMPONENT: PgComponent = {
  name: 'metadata',
  migrations: [
    {
      version: 1,
      description: 'functions, versions, aliases, layers, provisioned concurrency and resource policies',
      up: (s) => `
        CREATE TABLE ${s.table('functions')} (
          name text COLLATE "C" PRIMARY KEY,
          doc  text NOT NULL
        );
        CREATE TABLE ${s.table('versions')} (
          function_name text COLLATE "C" NOT NULL REFERENCES ${s.table('functions')} (name) ON DELETE CASCADE,
          version       text COLLATE "C" NOT NULL,
          -- 0 for $LATEST, else the published number: sorts numerically, $LATEST first.
          version_order bigint NOT NULL,
          doc           text NOT NULL,
          PRIMARY KEY (function_name, version)
        );
        CREATE INDEX versions_by_order ON ${s.table('versions')} (function_name, version_order);
        CREATE TABLE ${s.table('aliases')} (
          function_name text COLLATE "C" NOT NULL REFERENCES ${s.table('functions')} (name) ON DELETE CASCADE,
          name          text COLLATE "C" NOT NULL,
          doc           text NOT NULL,
          PRIMARY KEY (function_name, name)
        );
        -- The highest number each layer has used; rows are never deleted, so numbers are
        -- never reused even after every version of a layer is gone.
        CREATE TABLE ${s.table('layer_counters')} (
          layer_name   text COLLATE "C" PRIMARY KEY,
          last_version bigint NOT NULL
        );
        CREATE TABLE ${s.table('layer_versions')} (
          layer_name text COLLATE "C" NOT NULL,
          version    bigint NOT NULL CHECK (version > 0),
          doc        text NOT NULL,
          PRIMARY KEY (layer_name, version)
        );
        CREATE TABLE ${s.table('provisioned_concurrency')} (
          function_name text COLLATE "C" NOT NULL REFERENCES ${s.table('functions')} (name) ON DELETE CASCADE,
          qualifier     text COLLATE "C" NOT NULL,
          doc           text NOT NULL,
          PRIMARY KEY (function_name, qualifier)
        );
        -- The function's own policy has the qualifier '' (no version or alias is named '').
        CREATE TABLE ${s.table('resource_policies')} (
          function_name text COLLATE "C" NOT NULL REFERENCES ${s.table('functions')} (name) ON DELETE CASCADE,
          qualifier     text COLLATE "C" NOT NULL,
          doc           text NOT NULL,
          PRIMARY KEY (function_name, qualifier)
        );
      `,
    },
  ],
};

function sql(s: PgSchema) {
  const t = (name: string) => s.table(name);
  // Upserts keep the row (ON CONFLICT … DO UPDATE): a delete-and-insert of a function row
  // would cascade to its versions and aliases.
  return {
    getFunction: `SELECT doc FROM ${t('functions')} WHERE name = $1`,
    // A putFunction reads the row it replaces under its lock: another node's write waits, then is seen.
    lockFunction: `SELECT doc FROM ${t('functions')} WHERE name = $1 FOR UPDATE`,
    listFunctions: `SELECT doc FROM ${t('functions')} ORDER BY name`,
    putFunction: `INSERT INTO ${t('functions')} (name, doc) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET doc = excluded.doc`,
    deleteFunction: `DELETE FROM ${t('functions')} WHERE name = $1`,
    getVersion: `SELECT doc FROM ${t('versions')} WHERE function_name = $1 AND version = $2`,
    listVersions: `SELECT doc FROM ${t('versions')} WHERE function_name = $1 ORDER BY version_order`,
    listAllVersions: `SELECT doc FROM ${t('versions')} ORDER BY function_name, version_order`,
    putVersion: `INSERT INTO ${t('versions')} (function_name, version, version_order, doc) VALUES ($1, $2, $3, $4) ON CONFLICT (function_name, version) DO UPDATE SET doc = excluded.doc`,
    deleteVersion: `DELETE FROM ${t('versions')} WHERE function_name = $1 AND version = $2`,
    getAlias: `SELECT doc FROM ${t('aliases')} WHERE function_name = $1 AND name = $2`,
    listAliases: `SELECT doc FROM ${t('aliases')} WHERE function_name = $1 ORDER BY name`,
    putAlias: `INSERT INTO ${t('aliases')} (function_name, name, doc) VALUES ($1, $2, $3) ON CONFLICT (function_name, name) DO UPDATE SET doc = excluded.doc`,
    deleteAlias: `DELETE FROM ${t('aliases')} WHERE function_name = $1 AND name = $2`,
    listProvisioned: `SELECT doc FROM ${t('provisioned_concurrency')} ORDER BY function_name, qualifier`,
    listProvisionedOf: `SELECT doc FROM ${t('provisioned_concurrency')} WHERE function_name = $1 ORDER BY qualifier`,
    putProvisioned: `INSERT INTO ${t('provisioned_concurrency')} (function_name, qualifier, doc) VALUES ($1, $2, $3) ON CONFLICT (function_name, qualifier) DO UPDATE SET doc = excluded.doc`,
    deleteProvisioned: `DELETE FROM ${t('provisioned_concurrency')} WHERE function_name = $1 AND qualifier = $2`,
    listPolicies: `SELECT doc FROM ${t('resource_policies')} ORDER BY function_name, qualifier`,
    listPoliciesOf: `SELECT doc FROM ${t('resource_policies')} WHERE function_name = $1 ORDER BY qualifier`,
    putPolicy: `INSERT INTO ${t('resource_policies')} (function_name, qualifier, doc) VALUES ($1, $2, $3) ON CONFLICT (function_name, qualifier) DO UPDATE SET doc = excluded.doc`,
    deletePolicy: `DELETE FROM ${t('resource_policies')} WHERE function_name = $1 AND qualifier = $2`,
    getLayerVersion: `SELECT doc FROM ${t('layer_versions')} WHERE layer_name = $1 AND version = $2`,
    listLayerVersions: `SELECT doc FROM ${t('layer_versions')} WHERE layer_name = $1 ORDER BY version DESC`,
    listLayerNames: `SELECT DISTINCT layer_name FROM ${t('layer_versions')} ORDER BY layer_name`,
    nextLayerVersion: `INSERT INTO ${t('layer_counters')} AS c (layer_name, last_version) VALUES ($1, 1) ON CONFLICT (layer_name) DO UPDATE SET last_version = c.last_version + 1 RETURNING last_version`,
    useLayerVersion: `INSERT INTO ${t('layer_counters')} AS c (layer_name, last_version) VALUES ($1, $2) ON CONFLICT (layer_name) DO UPDATE SET last_version = greatest(c.last_version, excluded.last_version)`,
    putLayerVersion: `INSERT INTO ${t('layer_versions')} (layer_name, version, doc) VALUES ($1, $2, $3) ON CONFLICT (layer_name, version) DO UPDATE SET doc = excluded.doc`,
    deleteLayerVersion: `DELETE FROM ${t('layer_versions')} WHERE layer_name = $1 AND version = $2`,
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

interface DocRow {
  doc: string;
}

const docs = <T>(rows: DocRow[]): T[] => rows.map((r) => JSON.parse(r.doc) as T);
const firstDoc = <T>(rows: DocRow[]): T | undefined => (rows[0] === undefined ? undefined : (JSON.parse(rows[0].doc) as T));

/** The PostgreSQL MetadataStore. Open it with `PgMetadataStore.open`. */
export class PgMetadataStore implements MetadataStore {
  private readonly sql: ReturnType<typeof sql>;

  private constructor(private readonly schema: PgSchema) {
    this.sql = sql(schema);
  }

  /** Brings the metadata tables of `schema` (created if needed) up to date and opens the store on them. */
  static async open(schema: PgSchema): Promise<PgMetadataStore> {
    await migrate(schema, METADATA_COMPONENT);
    return new PgMetadataStore(schema);
  }

  async getFunction(name: string): Promise<FunctionRecord | undefined> {
    return firstDoc(await this.schema.query<DocRow>(this.sql.getFunction, [name]));
  }

  async listFunctions(): Promise<FunctionRecord[]> {
    return docs(await this.schema.query<DocRow>(this.sql.listFunctions));
  }

  async putFunction(record: FunctionRecord): Promise<void> {
    // In a transaction: the row's lock holds until the write.
    await this.batch([{ kind: 'putFunction', record }]);
  }

  async deleteFunction(name: string): Promise<void> {
    // Versions, aliases, configurations and policies go with it through ON DELETE CASCADE.
    await this.schema.execute(this.sql.deleteFunction, [name]);
  }

  async getVersion(functionName: string, version: string): Promise<FunctionVersion | undefined> {
    return firstDoc(await this.schema.query<DocRow>(this.sql.getVersion, [functionName, version]));
  }

  async listVersions(functionName: string): Promise<FunctionVersion[]> {
    return docs(await this.schema.query<DocRow>(this.sql.listVersions, [functionName]));
  }

  async listAllVersions(): Promise<FunctionVersion[]> {
    return docs(await this.schema.query<DocRow>(this.sql.listAllVersions));
  }

  async putVersion(version: FunctionVersion): Promise<void> {
    await this.apply(this.schema, { kind: 'putVersion', version });
  }

  async deleteVersion(functionName: string, version: string): Promise<void> {
    await this.apply(this.schema, { kind: 'deleteVersion', functionName, version });
  }

  async getAlias(functionName: string, name: string): Promise<Alias | undefined> {
    return firstDoc(await this.schema.query<DocRow>(this.sql.getAlias, [functionName, name]));
  }

  async listAliases(functionName: string): Promise<Alias[]> {
    return docs(await this.schema.query<DocRow>(this.sql.listAliases, [functionName]));
  }

  async putAlias(alias: Alias): Promise<void> {
    await this.apply(this.schema, { kind: 'putAlias', alias });
  }

  async deleteAlias(functionName: string, name: string): Promise<void> {
    await this.apply(this.schema, { kind: 'deleteAlias', functionName, name });
  }

  async listProvisionedConfigs(functionName?: string): Promise<ProvisionedConcurrencyConfig[]> {
    return docs(await (functionName === undefined ? this.schema.query<DocRow>(this.sql.listProvisioned) : this.schema.query<DocRow>(this.sql.listProvisionedOf, [functionName])));
  }

  async listPolicies(functionName?: string): Promise<ResourcePolicy[]> {
    return docs(await (functionName === undefined ? this.schema.query<DocRow>(this.sql.listPolicies) : this.schema.query<DocRow>(this.sql.listPoliciesOf, [functionName])));
  }

  async getLayerVersion(layerName: string, version: number): Promise<LayerVersion | undefined> {
    return firstDoc(await this.schema.query<DocRow>(this.sql.getLayerVersion, [layerName, version]));
  }

  async listLayerVersions(layerName: string): Promise<LayerVersion[]> {
    return docs(await this.schema.query<DocRow>(this.sql.listLayerVersions, [layerName]));
  }

  async listLayerNames(): Promise<string[]> {
    return (await this.schema.query<{ layer_name: string }>(this.sql.listLayerNames)).map((r) => r.layer_name);
  }

  async nextLayerVersionNumber(layerName: string): Promise<number> {
    // bigint comes back as a string; layer numbers stay far below 2^53.
    const [row] = await this.schema.query<{ last_version: string }>(this.sql.nextLayerVersion, [layerName]);
    if (row === undefined) throw new Error('RETURNING gave no row');
    return Number(row.last_version);
  }

  async putLayerVersion(layer: LayerVersion): Promise<void> {
    if (!Number.isSafeInteger(layer.version) || layer.version < 1) {
      throw new InvalidParameterValueException(`Layer version ${layer.version} is not a positive integer.`);
    }
    await this.schema.transaction(async (tx) => {
      await tx.execute(this.sql.useLayerVersion, [layer.layerName, layer.version]);
      await tx.execute(this.sql.putLayerVersion, [layer.layerName, layer.version, JSON.stringify(layer)]);
    });
  }

  async deleteLayerVersion(layerName: string, version: number): Promise<void> {
    await this.schema.execute(this.sql.deleteLayerVersion, [layerName, version]);
  }

  async batch(writes: StoreWrite[]): Promise<void> {
    if (writes.length === 0) return;
    await this.schema.transaction(async (tx) => {
      for (const w of writes) await this.apply(tx, w);
    });
  }

  /** The pool is the server's: closing a store releases nothing of it. */
  async close(): Promise<void> {}

  /** One write; inside `batch` it joins the batch's transaction. */
  private async apply(q: PgQueryable, w: StoreWrite): Promise<void> {
    const s = this.sql;
    switch (w.kind) {
      case 'putFunction': {
        const record = functionToStore(w, firstDoc<FunctionRecord>(await q.query<DocRow>(s.lockFunction, [w.record.name])));
        await q.execute(s.putFunction, [record.name, JSON.stringify(record)]);
        return;
      }
      case 'putVersion': {
        const v = w.version;
        const order = versionOrder(v.version);
        await owned(v.functionName, q.execute(s.putVersion, [v.functionName, v.version, order, JSON.stringify(v)]));
        return;
      }
      case 'deleteVersion':
        await q.execute(s.deleteVersion, [w.functionName, w.version]);
        return;
      case 'putAlias': {
        const a = w.alias;
        await owned(a.functionName, q.execute(s.putAlias, [a.functionName, a.name, JSON.stringify(a)]));
        return;
      }
      case 'deleteAlias':
        await q.execute(s.deleteAlias, [w.functionName, w.name]);
        return;
      case 'putProvisioned': {
        const c = w.config;
        await owned(c.functionName, q.execute(s.putProvisioned, [c.functionName, c.qualifier, JSON.stringify(c)]));
        return;
      }
      case 'deleteProvisioned':
        await q.execute(s.deleteProvisioned, [w.functionName, w.qualifier]);
        return;
      case 'putPolicy': {
        const p = w.policy;
        await owned(p.functionName, q.execute(s.putPolicy, [p.functionName, p.qualifier ?? '', JSON.stringify(p)]));
        return;
      }
      case 'deletePolicy':
        await q.execute(s.deletePolicy, [w.functionName, w.qualifier ?? '']);
        return;
      default:
        throw new Error(`Unknown store write: ${JSON.stringify(w satisfies never)}`);
    }
  }
}

/** A write of something that belongs to a function, naming the function if it is gone. */
async function owned(functionName: string, write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (err) {
    if (isForeignKeyViolation(err)) throw new ResourceNotFoundException(`Function not found: ${functionName}`);
    throw err;
  }
}
