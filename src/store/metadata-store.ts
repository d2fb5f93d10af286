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
  listProvisionedConfigs(): Promise<ProvisionedConcurrencyConfig[]>;

  /**
   * Every resource policy, ordered by function name, then qualifier (the function's own
   * policy, without one, first). A policy belongs to its function (refused with
   * ResourceNotFoundException when the function is not stored, deleted with it); callers
   * delete a version's or alias's policy with the version or alias.
   */
  listPolicies(): Promise<ResourcePolicy[]>;

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
  | { kind: 'putFunction'; record: FunctionRecord }
  | { kind: 'putVersion'; version: FunctionVersion }
  | { kind: 'deleteVersion'; functionName: string; version: string }
  | { kind: 'putAlias'; alias: Alias }
  | { kind: 'deleteAlias'; functionName: string; name: string }
  | { kind: 'putProvisioned'; config: ProvisionedConcurrencyConfig }
  | { kind: 'deleteProvisioned'; functionName: string; qualifier: string }
  /** Stores the whole policy of a function (no qualifier), version or alias, replacing the one before. */
  | { kind: 'putPolicy'; policy: ResourcePolicy }
  | { kind: 'deletePolicy'; functionName: string; qualifier: string | undefined };
