/**
 * The MetadataStore: everything Gust must remember about functions, versions, aliases
 * and layers. Each method is atomic on its own. Callers that need several writes to
 * appear together (for example PublishVersion) serialise per function themselves and
 * use `batch`. The interface is async so that a networked implementation (PostgreSQL)
 * can stand behind it; the embedded SQLite one answers synchronously inside.
 * Every implementation must pass `runStoreContract` in metadata-store.contract.ts.
 *
 * Rules every implementation keeps (the contract suite checks each):
 * - Reads return copies: mutating a returned record never changes what is stored.
 * - "Ordered by name" means code-unit order (`'B' < 'a'`), as JavaScript's default sort and
 *   SQL's binary/`COLLATE "C"` collation give it, never a locale's order.
 * - A version or alias belongs to a function: writing one for a function that is not stored
 *   is refused with `ResourceNotFoundException` (so a write racing a DeleteFunction fails
 *   instead of leaving an orphan). Callers that need AWS's exact message check first.
 * - A version is `$LATEST` or a published number (`1`, `2`, … without leading zeros);
 *   anything else is refused with `InvalidParameterValueException`.
 * - Deleting something that is not stored is a no-op.
 * - A function's `nextVersion` never goes down: a putFunction carrying a lower one (a node
 *   whose cache had not seen another's PublishVersion yet) keeps the stored number.
 */
import type { Alias, FunctionRecord, FunctionVersion, ProvisionedConcurrencyConfig } from '../core/model/functions.js';
import type { LayerVersion } from '../core/model/layers.js';
import type { ResourcePolicy } from '../core/model/policies.js';

export interface MetadataStore {
  getFunction(name: string): Promise<FunctionRecord | undefined>;
  /** All functions, ordered by name. */
  listFunctions(): Promise<FunctionRecord[]>;
  putFunction(record: FunctionRecord): Promise<void>;
  /** Deletes the function with all its versions and aliases. */
  deleteFunction(name: string): Promise<void>;

  getVersion(functionName: string, version: string): Promise<FunctionVersion | undefined>;
  /** `$LATEST` first, then published versions in ascending numeric order. */
  listVersions(functionName: string): Promise<FunctionVersion[]>;
  /**
   * All versions of all functions (used to warm the in-memory cache at start-up), ordered
   * by function name, then as `listVersions` orders them.
   */
  listAllVersions(): Promise<FunctionVersion[]>;
  putVersion(version: FunctionVersion): Promise<void>;
  deleteVersion(functionName: string, version: string): Promise<void>;

  getAlias(functionName: string, name: string): Promise<Alias | undefined>;
  /** Ordered by alias name. */
  listAliases(functionName: string): Promise<Alias[]>;
  putAlias(alias: Alias): Promise<void>;
  deleteAlias(functionName: string, name: string): Promise<void>;

  /**
   * Every provisioned concurrency configuration, ordered by function name, then qualifier.
   * A configuration belongs to its function (refused with ResourceNotFoundException when the
   * function is not stored, deleted with it); callers delete it with its version or alias.
   */
  listProvisionedConfigs(functionName?: string): Promise<ProvisionedConcurrencyConfig[]>;

  /**
   * Every resource policy, ordered by function name, then qualifier (the function's own
   * policy, without one, first). A policy belongs to its function (refused with
   * ResourceNotFoundException when the function is not stored, deleted with it); callers
   * delete a version's or alias's policy with the version or alias. With `functionName`,
   * that function's alone (as for listProvisionedConfigs).
   */
  listPolicies(functionName?: string): Promise<ResourcePolicy[]>;

  getLayerVersion(layerName: string, version: number): Promise<LayerVersion | undefined>;
  /** Newest first, as ListLayerVersions returns them. */
  listLayerVersions(layerName: string): Promise<LayerVersion[]>;
  /** Every layer name that has at least one version, ordered by name. */
  listLayerNames(): Promise<string[]>;
  /**
   * Reserves the next version number of a layer, starting at 1; numbers are never reused,
   * even after every version of the layer is deleted (as on AWS). A number given to
   * `putLayerVersion` counts as used even if it was not reserved here.
   */
  nextLayerVersionNumber(layerName: string): Promise<number>;
  putLayerVersion(layer: LayerVersion): Promise<void>;
  deleteLayerVersion(layerName: string, version: number): Promise<void>;

  /**
   * Runs several writes, in order, so that all or none of them are stored: if any write
   * fails (for example a version of a function that does not exist) the promise rejects
   * with that write's error and nothing of the batch is stored.
   */
  batch(writes: StoreWrite[]): Promise<void>;

  close(): Promise<void>;
}

/** One write inside a `batch`. */
export type StoreWrite =
  | PutFunctionWrite
  | { kind: 'putVersion'; version: FunctionVersion }
  | { kind: 'deleteVersion'; functionName: string; version: string }
  | { kind: 'putAlias'; alias: Alias }
  | { kind: 'deleteAlias'; functionName: string; name: string }
  | { kind: 'putProvisioned'; config: ProvisionedConcurrencyConfig }
  | { kind: 'deleteProvisioned'; functionName: string; qualifier: string }
  /** Stores the whole policy of a function (no qualifier), version or alias, replacing the one before. */
  | { kind: 'putPolicy'; policy: ResourcePolicy }
  | { kind: 'deletePolicy'; functionName: string; qualifier: string | undefined };

/**
 * Stores a function record. With `expected`, only over the record the writer read: `'absent'`
 * (CreateFunction: no function of that name is stored) or the `nextVersion` it numbered a
 * new version from (PublishVersion); otherwise the batch fails with StaleFunctionRecordError
 * and stores nothing, so that two nodes never give one number to two versions.
 */
export interface PutFunctionWrite {
  kind: 'putFunction';
  record: FunctionRecord;
  expected?: 'absent' | { nextVersion: number };
}

/** A guarded putFunction found another record than the writer expected (see PutFunctionWrite). */
export class StaleFunctionRecordError extends Error {
  constructor(readonly functionName: string) {
    super(`The stored record of function ${functionName} changed since it was read.`);
  }
}

/**
 * What a putFunction stores over `stored` (the row as it is, read under the write's lock):
 * the record, with the stored `nextVersion` when that is higher; throws
 * StaleFunctionRecordError when the write's guard does not hold. Every implementation uses it.
 */
export function functionToStore(write: PutFunctionWrite, stored: FunctionRecord | undefined): FunctionRecord {
  const { expected, record } = write;
  if (expected === 'absent' ? stored !== undefined : expected !== undefined && stored?.nextVersion !== expected.nextVersion) {
    throw new StaleFunctionRecordError(record.name);
  }
  return stored !== undefined && stored.nextVersion > record.nextVersion ? { ...record, nextVersion: stored.nextVersion } : record;
}
