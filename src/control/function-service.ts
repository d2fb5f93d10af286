/**
 * FunctionService: the control plane for functions, versions, aliases, reserved
 * concurrency and tags. It keeps every function, version and alias in memory (warmed by
 * `load`, updated on every write) so that the invoke path can read them synchronously,
 * and tells listeners about changes so that they can drain execution environments.
 * Writes are serialised per function. Each operation lives in its own module; this
 * class is the one door to them.
 */
import { ResourceNotFoundException } from '../core/errors.js';
import type { Alias, FunctionRecord, FunctionVersion, ProvisionedConcurrencyConfig } from '../core/model/functions.js';
import * as aliases from './function-aliases.js';
import * as concurrency from './function-concurrency.js';
import { ControlCore, type FunctionChange, type FunctionChangeListener, type FunctionServiceDeps } from './function-core.js';
import type {
  AliasInput,
  CreateFunctionInput,
  PageRequest,
  PublishVersionInput,
  UpdateFunctionCodeInput,
  UpdateFunctionConfigurationInput,
} from './function-inputs.js';
import * as lifecycle from './function-lifecycle.js';
import * as provisioned from './function-provisioned.js';
import * as tags from './function-tags.js';
import * as versions from './function-versions.js';
import { paginate, versionSortKey, type Page } from './pagination.js';
import type { PolicyRequest } from './policy/evaluate.js';
import type { AddPermissionInput, RemovePermissionInput } from './policy/permission-input.js';
import * as permissions from './policy/permissions.js';
import type { PolicyStatement, ResourcePolicy } from '../core/model/policies.js';

export type { FunctionChange, FunctionChangeKind, FunctionChangeListener, FunctionServiceDeps } from './function-core.js';
export type { AccountSettings } from './function-concurrency.js';
export type { Page } from './pagination.js';
export type { PolicyView } from './policy/permissions.js';

/** A qualifier resolved to the version it designates. */
export interface ResolvedFunction {
  record: FunctionRecord;
  version: FunctionVersion;
  /** Set when the qualifier was an alias (its weights are the invoke path's to apply). */
  alias?: Alias;
}

export class FunctionService {
  private readonly core: ControlCore;

  constructor(deps: FunctionServiceDeps) {
    this.core = new ControlCore(deps);
  }

  /** Warms the cache from the store and finishes creations a previous process left Pending. */
  async load(): Promise<void> {
    await this.core.registry.load();
    await this.core.settleAll();
  }

  /**
   * Calls `listener(functionName, change)` after every committed change. Listeners run
   * synchronously and must not throw (a throw is reported and ignored). Returns an
   * unsubscribe function.
   */
  onChange(listener: FunctionChangeListener): () => void {
    return this.core.onChange(listener);
  }

  /**
   * Reads the function again from the store and tells the listeners of `change` (none for a
   * version that only finished settling): another node of the cluster committed it.
   */
  refresh(name: string, change: FunctionChange | undefined): Promise<void> {
    return this.core.refresh(name, change);
  }

  /**
   * Refreshes every function the store or the cache knows, telling the listeners as if
   * each were created, deleted or reconfigured (environments drain only where their version
   * changed): after notes from other nodes may have been lost. One function at a time.
   */
  async resync(): Promise<void> {
    const stored = new Set((await this.core.deps.store.listFunctions()).map((r) => r.name));
    const known = new Set(this.core.registry.functionNames());
    for (const name of new Set([...stored, ...known])) {
      await this.core.refresh(name, { kind: !known.has(name) ? 'created' : !stored.has(name) ? 'deleted' : 'configuration' });
    }
  }

  // Synchronous reads for the invoke path: no I/O, no throwing.

  /** Every function's name, from the cache. */
  functionNamesSync(): string[] {
    return this.core.registry.functionNames();
  }

  getFunctionSync(name: string): FunctionRecord | undefined {
    return this.core.registry.getFunction(name);
  }

  getVersionSync(name: string, version: string): FunctionVersion | undefined {
    return this.core.registry.getVersion(name, version);
  }

  getAliasSync(name: string, alias: string): Alias | undefined {
    return this.core.registry.getAlias(name, alias);
  }

  /** Resolves no qualifier (`$LATEST`), a version or an alias; undefined when any part is missing. */
  resolveSync(name: string, qualifier?: string): ResolvedFunction | undefined {
    const registry = this.core.registry;
    const record = registry.getFunction(name);
    if (!record) return undefined;
    const q = qualifier ?? '$LATEST';
    if (q === '$LATEST' || /^[0-9]+$/.test(q)) {
      const version = registry.getVersion(name, q);
      return version && { record, version };
    }
    const alias = registry.getAlias(name, q);
    const version = alias && registry.getVersion(name, alias.functionVersion);
    return alias && version && { record, version, alias };
  }

  /** Every code hash a function version uses (its code and its layers'), for CodeStorage. */
  codeReferences(into: Set<string> = new Set()): Set<string> {
    return this.core.codeReferences(into);
  }

  /** Every runtime a function version here names (the runtime probe arms only those). */
  runtimesInUse(into: Set<string> = new Set()): Set<string> {
    return this.core.runtimesInUse(into);
  }

  // Functions.

  createFunction(input: CreateFunctionInput): Promise<FunctionVersion> {
    return lifecycle.createFunction(this.core, input);
  }

  /** GetFunction / GetFunctionConfiguration: the version a qualifier designates. */
  getFunction(name: string, qualifier?: string): ResolvedFunction {
    this.core.requireFunction(name, qualifier);
    const resolved = this.resolveSync(name, qualifier);
    if (!resolved) throw new ResourceNotFoundException(`Function not found: ${this.core.arn(name, qualifier)}`);
    return resolved;
  }

  /** `$LATEST` of every function, or with `all` every version of every function, by name. */
  listFunctions(all: boolean, page: PageRequest): Page<FunctionVersion> {
    const registry = this.core.registry;
    const names = registry.functionNames();
    if (!all) {
      const latest = names.map((n) => registry.getVersion(n, '$LATEST')).filter((v): v is FunctionVersion => v !== undefined);
      return paginate(latest, (v) => v.functionName, page);
    }
    const every = names.flatMap((n) => registry.versions(n));
    return paginate(every, (v) => `${v.functionName}\u0000${versionSortKey(v.version)}`, page);
  }

  updateFunctionCode(input: UpdateFunctionCodeInput): Promise<FunctionVersion> {
    return lifecycle.updateFunctionCode(this.core, input);
  }

  updateFunctionConfiguration(input: UpdateFunctionConfigurationInput): Promise<FunctionVersion> {
    return lifecycle.updateFunctionConfiguration(this.core, input);
  }

  deleteFunction(name: string, qualifier?: string): Promise<void> {
    return lifecycle.deleteFunction(this.core, name, qualifier);
  }

  // Versions.

  publishVersion(input: PublishVersionInput): Promise<FunctionVersion> {
    return versions.publishVersion(this.core, input);
  }

  listVersions(name: string, page: PageRequest): Page<FunctionVersion> {
    return versions.listVersions(this.core, name, page);
  }

  // Aliases.

  createAlias(input: AliasInput): Promise<Alias> {
    return aliases.createAlias(this.core, input);
  }

  getAlias(functionName: string, name: string): Alias {
    return aliases.getAlias(this.core, functionName, name);
  }

  updateAlias(input: AliasInput): Promise<Alias> {
    return aliases.updateAlias(this.core, input);
  }

  deleteAlias(functionName: string, name: string): Promise<void> {
    return aliases.deleteAlias(this.core, functionName, name);
  }

  listAliases(functionName: string, functionVersion: string | undefined, page: PageRequest): Page<Alias> {
    return aliases.listAliases(this.core, functionName, functionVersion, page);
  }

  // Reserved concurrency and account settings.

  putFunctionConcurrency(name: string, reserved: number): Promise<number> {
    return concurrency.putConcurrency(this.core, name, reserved);
  }

  /** The reserved concurrency, or undefined when none is set. */
  getFunctionConcurrency(name: string): number | undefined {
    return concurrency.getConcurrency(this.core, name);
  }

  deleteFunctionConcurrency(name: string): Promise<void> {
    return concurrency.deleteConcurrency(this.core, name);
  }

  getAccountSettings(): Promise<concurrency.AccountSettings> {
    return concurrency.getAccountSettings(this.core);
  }

  // Provisioned concurrency, per published version or alias.

  putProvisionedConcurrency(name: string, qualifier: string | undefined, requested: number | undefined): Promise<ProvisionedConcurrencyConfig> {
    return provisioned.putProvisioned(this.core, name, qualifier, requested);
  }

  getProvisionedConcurrency(name: string, qualifier: string | undefined): ProvisionedConcurrencyConfig {
    return provisioned.getProvisioned(this.core, name, qualifier);
  }

  deleteProvisionedConcurrency(name: string, qualifier: string | undefined): Promise<void> {
    return provisioned.deleteProvisioned(this.core, name, qualifier);
  }

  listProvisionedConcurrency(name: string, page: PageRequest): Page<ProvisionedConcurrencyConfig> {
    return provisioned.listProvisioned(this.core, name, page);
  }

  /** A function's provisioned concurrency configurations, from the cache (for the invoke layer). */
  provisionedConfigsSync(name: string): ProvisionedConcurrencyConfig[] {
    return this.core.registry.provisioned(name);
  }

  // Resource-based policies, per function, published version and alias.

  addPermission(input: AddPermissionInput): Promise<PolicyStatement> {
    return permissions.addPermission(this.core, input);
  }

  removePermission(input: RemovePermissionInput): Promise<void> {
    return permissions.removePermission(this.core, input);
  }

  getPolicy(name: string, qualifier: string | undefined): permissions.PolicyView {
    return permissions.getPolicy(this.core, name, qualifier);
  }

  /** The policy of the function (no qualifier or `$LATEST`), a version or an alias, from the cache; for `mayInvoke` and the triggers. */
  policySync(name: string, qualifier: string | undefined): ResourcePolicy | undefined {
    return this.core.registry.getPolicy(name, qualifier === '$LATEST' ? undefined : qualifier);
  }

  /** Whether that policy allows `request` (see policy/evaluate.ts); synchronous, for the request paths. */
  permitsSync(name: string, qualifier: string | undefined, request: PolicyRequest): boolean {
    return permissions.permits(this.core, name, qualifier, request);
  }

  // Tags, addressed by function ARN.

  tagResource(resource: string, newTags: Record<string, string>): Promise<void> {
    return tags.tagResource(this.core, resource, newTags);
  }

  untagResource(resource: string, keys: string[]): Promise<void> {
    return tags.untagResource(this.core, resource, keys);
  }

  listTags(resource: string): Record<string, string> {
    return tags.listTags(this.core, resource);
  }
}
