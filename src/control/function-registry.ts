/**
 * The in-memory read path of the control plane: every function record, version, alias,
 * provisioned concurrency configuration and resource policy, warmed from the MetadataStore at start-up and updated after each write. The
 * invoke hot path reads it synchronously, so nothing on that path touches the disk.
 *
 * Writes go to the store first and reach the cache only once the store has accepted
 * them, so the cache never shows something that a restart would lose. Cached objects
 * are frozen: readers share them, and a mutation would silently bypass the store.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Alias, FunctionRecord, FunctionVersion, ProvisionedConcurrencyConfig } from '../core/model/functions.js';
import type { ResourcePolicy } from '../core/model/policies.js';
import type { MetadataStore, StoreWrite } from '../store/metadata-store.js';

/** Functions whose versions and aliases load between two turns of the event loop at start-up. */
const LOAD_SLICE = 250;

interface Entry {
  record: FunctionRecord;
  versions: Map<string, FunctionVersion>;
  aliases: Map<string, Alias>;
  /** Provisioned concurrency configurations by qualifier. */
  provisioned: Map<string, ProvisionedConcurrencyConfig>;
  /** Resource policies by qualifier, '' for the function's own. */
  policies: Map<string, ResourcePolicy>;
}

function newEntry(record: FunctionRecord): Entry {
  return { record: deepFreeze(record), versions: new Map(), aliases: new Map(), provisioned: new Map(), policies: new Map() };
}

/** Puts what the store holds of a function into its entry (none: a function no longer cached), frozen. */
function fill(
  entry: Entry | undefined,
  held: { versions?: readonly FunctionVersion[]; aliases?: readonly Alias[]; provisioned?: readonly ProvisionedConcurrencyConfig[]; policies?: readonly ResourcePolicy[] },
): void {
  if (!entry) return;
  for (const version of held.versions ?? []) entry.versions.set(version.version, deepFreeze(version));
  for (const alias of held.aliases ?? []) entry.aliases.set(alias.name, deepFreeze(alias));
  for (const config of held.provisioned ?? []) entry.provisioned.set(config.qualifier, deepFreeze(config));
  for (const policy of held.policies ?? []) entry.policies.set(policy.qualifier ?? '', deepFreeze(policy));
}

/** Orders `$LATEST` first, then published versions numerically, as ListVersionsByFunction does. */
export function compareVersions(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '$LATEST') return -1;
  if (b === '$LATEST') return 1;
  return Number(a) - Number(b);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value as Record<string, unknown>)) deepFreeze(inner);
  }
  return value;
}

export class FunctionRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly store: MetadataStore) {}

  /**
   * Replaces the cache with everything the store holds. Versions and aliases are read per
   * function, in slices, each after a turn of the event loop: with thousands of functions
   * this runs while the server already answers /health (server/gust-server.ts), and no
   * slice holds the loop for long.
   */
  async load(): Promise<void> {
    const [records, provisioned, policies] = await Promise.all([this.store.listFunctions(), this.store.listProvisionedConfigs(), this.store.listPolicies()]);
    this.entries.clear();
    for (let i = 0; i < records.length; i += LOAD_SLICE) {
      await nextTurn();
      await Promise.all(
        records.slice(i, i + LOAD_SLICE).map(async (record) => {
          const entry = newEntry(record);
          this.entries.set(record.name, entry);
          const [versions, aliases] = await Promise.all([this.store.listVersions(record.name), this.store.listAliases(record.name)]);
          fill(entry, { versions, aliases });
        }),
      );
    }
    for (const config of provisioned) fill(this.entries.get(config.functionName), { provisioned: [config] });
    for (const policy of policies) fill(this.entries.get(policy.functionName), { policies: [policy] });
  }

  /**
   * Reads one function again from the store and replaces its entry (or drops it, when the
   * function is gone): how a node learns of a change another node committed. The caller
   * holds the function's lock, so no write of this node interleaves. The five reads are
   * not one snapshot: a write another node commits meanwhile sends its own note, whose
   * reload then reads it whole.
   */
  async reload(name: string): Promise<void> {
    const [record, versions, aliases, provisioned, policies] = await Promise.all([
      this.store.getFunction(name),
      this.store.listVersions(name),
      this.store.listAliases(name),
      this.store.listProvisionedConfigs(name),
      this.store.listPolicies(name),
    ]);
    if (!record) {
      this.entries.delete(name);
      return;
    }
    const entry = newEntry(record);
    fill(entry, { versions, aliases, provisioned, policies });
    this.entries.set(name, entry);
  }

  getFunction(name: string): FunctionRecord | undefined {
    return this.entries.get(name)?.record;
  }

  getVersion(name: string, version: string): FunctionVersion | undefined {
    return this.entries.get(name)?.versions.get(version);
  }

  getAlias(name: string, alias: string): Alias | undefined {
    return this.entries.get(name)?.aliases.get(alias);
  }

  /** Every function name, sorted. */
  functionNames(): string[] {
    return [...this.entries.keys()].sort();
  }

  getProvisioned(name: string, qualifier: string): ProvisionedConcurrencyConfig | undefined {
    return this.entries.get(name)?.provisioned.get(qualifier);
  }

  /** The function's provisioned concurrency configurations, by qualifier in code-unit order. */
  provisioned(name: string): ProvisionedConcurrencyConfig[] {
    const entry = this.entries.get(name);
    if (!entry) return [];
    return [...entry.provisioned.values()].sort((a, b) => (a.qualifier < b.qualifier ? -1 : a.qualifier > b.qualifier ? 1 : 0));
  }

  /** The resource policy of the function (no qualifier), a version or an alias. */
  getPolicy(name: string, qualifier: string | undefined): ResourcePolicy | undefined {
    return this.entries.get(name)?.policies.get(qualifier ?? '');
  }

  /** Every function record (unsorted). */
  records(): FunctionRecord[] {
    return [...this.entries.values()].map((e) => e.record);
  }

  /** The function's versions, `$LATEST` first, then ascending. */
  versions(name: string): FunctionVersion[] {
    const entry = this.entries.get(name);
    if (!entry) return [];
    return [...entry.versions.values()].sort((a, b) => compareVersions(a.version, b.version));
  }

  /** The function's aliases, sorted by name. */
  aliases(name: string): Alias[] {
    const entry = this.entries.get(name);
    if (!entry) return [];
    return [...entry.aliases.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Stores the writes atomically, then applies them to the cache. */
  async commit(writes: StoreWrite[]): Promise<void> {
    await this.store.batch(writes);
    for (const write of writes) this.apply(write);
  }

  /** Deletes the function with its versions and aliases, in the store and then here. */
  async deleteFunction(name: string): Promise<void> {
    await this.store.deleteFunction(name);
    this.entries.delete(name);
  }

  private apply(write: StoreWrite): void {
    switch (write.kind) {
      case 'putFunction': {
        const entry = this.entries.get(write.record.name);
        if (entry) entry.record = deepFreeze(write.record);
        else this.entries.set(write.record.name, newEntry(write.record));
        return;
      }
      case 'putVersion':
        this.entries.get(write.version.functionName)?.versions.set(write.version.version, deepFreeze(write.version));
        return;
      case 'deleteVersion':
        this.entries.get(write.functionName)?.versions.delete(write.version);
        return;
      case 'putAlias':
        this.entries.get(write.alias.functionName)?.aliases.set(write.alias.name, deepFreeze(write.alias));
        return;
      case 'deleteAlias':
        this.entries.get(write.functionName)?.aliases.delete(write.name);
        return;
      case 'putProvisioned':
        this.entries.get(write.config.functionName)?.provisioned.set(write.config.qualifier, deepFreeze(write.config));
        return;
      case 'deleteProvisioned':
        this.entries.get(write.functionName)?.provisioned.delete(write.qualifier);
        return;
      case 'putPolicy':
        this.entries.get(write.policy.functionName)?.policies.set(write.policy.qualifier ?? '', deepFreeze(write.policy));
        return;
      case 'deletePolicy':
        this.entries.get(write.functionName)?.policies.delete(write.qualifier ?? '');
        return;
    }
  }
}
