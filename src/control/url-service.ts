/**
 * UrlService: function URL configurations (Create/Get/Update/Delete/ListFunctionUrlConfigs)
 * for a function or one of its aliases. Every configuration is kept in memory, by url-id
 * for the request path and by function and qualifier for the API, and written through to
 * the UrlStore. A configuration goes when its function or alias goes, as on AWS:
 * FunctionService's change events remove it, and `load` removes any a crash left behind.
 * Error messages are AWS's (as recorded in LocalStack's AWS-validated snapshots).
 */
import { randomInt } from 'node:crypto';
import { functionArn, type Partition } from '../core/arn.js';
import type { Clock } from '../core/clock.js';
import { ResourceConflictException, ResourceNotFoundException } from '../core/errors.js';
import { KeyedMutex } from '../core/primitives.js';
import type { UrlConfig, UrlInvokeMode } from '../core/model/urls.js';
import type { UrlStore } from '../store/url-store.js';
import type { FunctionService } from './function-service.js';
import type { PageRequest } from './function-inputs.js';
import { paginate, type Page } from './pagination.js';
import { validateCreate, validateQualifier, validateUpdate, type UrlConfigInput } from './url-validation.js';

export type { UrlConfigInput } from './url-validation.js';

export interface UrlServiceDeps {
  store: UrlStore;
  functions: FunctionService;
  partition: Partition;
  clock: Clock;
  /** Where failures of background deletions are reported. */
  reportError?: (err: unknown, context: string) => void;
  /** Told after a configuration of the function was created, updated or deleted here: a cluster's node tells the others, which `refresh`. */
  announce?: (functionName: string) => void;
}

const FUNCTION_MISSING = 'Function does not exist';
const CONFIG_MISSING = 'The resource you requested does not exist.';
const URL_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function targetKey(functionName: string, qualifier: string | undefined): string {
  return `${functionName}\u0000${qualifier ?? ''}`;
}

function copy(config: UrlConfig): UrlConfig {
  return structuredClone(config);
}

export class UrlService {
  private readonly byId = new Map<string, UrlConfig>();
  private readonly byTarget = new Map<string, UrlConfig>();
  /** Serialises configuration writes per function. */
  private readonly locks = new KeyedMutex();
  private readonly reportError: (err: unknown, context: string) => void;

  constructor(private readonly deps: UrlServiceDeps) {
    this.reportError = deps.reportError ?? ((err, context) => process.emitWarning(`${context}: ${String(err)}`));
    deps.functions.onChange((name, change) => {
      if (change.kind === 'deleted') this.dropWhere((c) => c.functionName === name);
      else if (change.kind === 'alias' && change.qualifier !== undefined && !deps.functions.getAliasSync(name, change.qualifier)) {
        const alias = change.qualifier;
        this.dropWhere((c) => c.functionName === name && c.qualifier === alias);
      }
    });
  }

  /** Warms the cache; call after FunctionService.load. Drops configurations whose target is gone. */
  async load(): Promise<void> {
    for (const config of await this.deps.store.listUrlConfigs()) {
      if (this.targetExists(config.functionName, config.qualifier)) this.remember(config);
      else await this.deps.store.deleteUrlConfig(config.urlId);
    }
  }

  /** The configuration a URL's host name or path names; synchronous, for the request path. */
  resolve(urlId: string): Readonly<UrlConfig> | undefined {
    return this.byId.get(urlId);
  }

  /** The ARN a configuration reports: qualified for an alias. */
  functionArn(config: { functionName: string; qualifier?: string | undefined }): string {
    return functionArn(this.deps.partition, config.functionName, config.qualifier);
  }

  async create(input: UrlConfigInput): Promise<UrlConfig> {
    const { authType, invokeMode } = validateCreate(input);
    const { functionName: name, qualifier } = input;
    return this.locks.run(name, async () => {
      if (!this.deps.functions.getFunctionSync(name)) throw new ResourceNotFoundException(FUNCTION_MISSING);
      if (this.byTarget.has(targetKey(name, qualifier))) {
        throw new ResourceConflictException(
          `Failed to create function url config for [functionArn = ${this.functionArn({ functionName: name, qualifier })}]. Error message:  FunctionUrlConfig exists for this Lambda function`,
        );
      }
      if (!this.targetExists(name, qualifier)) throw new ResourceNotFoundException(FUNCTION_MISSING);
      const now = this.now();
      const config: UrlConfig = {
        urlId: this.newUrlId(),
        functionName: name,
        ...(qualifier === undefined ? {} : { qualifier }),
        authType,
        ...(input.cors === undefined ? {} : { cors: structuredClone(input.cors) }),
        ...(invokeMode === undefined ? {} : { invokeMode }),
        creationTime: now,
        lastModifiedTime: now,
      };
      await this.deps.store.putUrlConfig(config);
      // The function or alias may have been deleted while the write was in flight; its
      // change event had nothing to remove then, so check again before keeping the config.
      if (!this.targetExists(name, qualifier)) {
        await this.deps.store.deleteUrlConfig(config.urlId);
        throw new ResourceNotFoundException(FUNCTION_MISSING);
      }
      this.remember(config);
      this.deps.announce?.(name);
      return copy(config);
    });
  }

  get(functionName: string, qualifier?: string): UrlConfig {
    validateQualifier(qualifier);
    if (!this.deps.functions.getFunctionSync(functionName)) throw new ResourceNotFoundException(CONFIG_MISSING);
    const config = this.byTarget.get(targetKey(functionName, qualifier));
    if (!config) throw new ResourceNotFoundException(CONFIG_MISSING);
    return copy(config);
  }

  async update(input: UrlConfigInput): Promise<UrlConfig> {
    validateUpdate(input);
    const { functionName: name, qualifier } = input;
    return this.locks.run(name, async () => {
      if (!this.targetExists(name, qualifier)) throw new ResourceNotFoundException(FUNCTION_MISSING);
      const current = this.byTarget.get(targetKey(name, qualifier));
      if (!current) throw new ResourceNotFoundException(CONFIG_MISSING);
      const next: UrlConfig = {
        ...current,
        ...(input.authType === undefined ? {} : { authType: input.authType as UrlConfig['authType'] }),
        ...(input.cors === undefined ? {} : { cors: structuredClone(input.cors) }),
        ...(input.invokeMode === undefined ? {} : { invokeMode: input.invokeMode as UrlInvokeMode }),
        lastModifiedTime: this.now(),
      };
      await this.deps.store.putUrlConfig(next);
      if (this.byId.get(next.urlId) === current) this.remember(next);
      this.deps.announce?.(name);
      return copy(next);
    });
  }

  async delete(functionName: string, qualifier?: string): Promise<void> {
    validateQualifier(qualifier);
    if (!this.deps.functions.getFunctionSync(functionName)) throw new ResourceNotFoundException(CONFIG_MISSING);
    await this.locks.run(functionName, async () => {
      const config = this.byTarget.get(targetKey(functionName, qualifier));
      if (!config) throw new ResourceNotFoundException(CONFIG_MISSING);
      await this.deps.store.deleteUrlConfig(config.urlId);
      this.forget(config);
      this.deps.announce?.(functionName);
    });
  }

  /**
   * Reads the function's configurations again from the store (another node of the cluster
   * changed one). The store is trusted as it is: the node that wrote checked the target,
   * and this node may learn of the function itself a moment later.
   */
  refresh(functionName: string): Promise<void> {
    return this.locks.run(functionName, async () => {
      const stored = await this.deps.store.listUrlConfigs(functionName);
      for (const config of [...this.byId.values()]) if (config.functionName === functionName) this.forget(config);
      for (const config of stored) this.remember(config);
    });
  }

  /** The function's configurations, unqualified first, then by alias name. */
  list(functionName: string, page: PageRequest): Page<UrlConfig> {
    if (!this.deps.functions.getFunctionSync(functionName)) throw new ResourceNotFoundException(FUNCTION_MISSING);
    const configs = [...this.byId.values()]
      .filter((c) => c.functionName === functionName)
      .sort((a, b) => ((a.qualifier ?? '') < (b.qualifier ?? '') ? -1 : 1));
    const result = paginate(configs, (c) => c.qualifier ?? '', page);
    return { ...result, items: result.items.map(copy) };
  }

  private targetExists(name: string, qualifier: string | undefined): boolean {
    if (!this.deps.functions.getFunctionSync(name)) return false;
    return qualifier === undefined || this.deps.functions.getAliasSync(name, qualifier) !== undefined;
  }

  private remember(config: UrlConfig): void {
    const previous = this.byId.get(config.urlId);
    if (previous) this.byTarget.delete(targetKey(previous.functionName, previous.qualifier));
    this.byId.set(config.urlId, config);
    this.byTarget.set(targetKey(config.functionName, config.qualifier), config);
  }

  private forget(config: UrlConfig): void {
    this.byId.delete(config.urlId);
    this.byTarget.delete(targetKey(config.functionName, config.qualifier));
  }

  /** Removes matching configurations from memory at once (no request may reach them), then from the store. */
  private dropWhere(match: (config: UrlConfig) => boolean): void {
    for (const config of [...this.byId.values()].filter(match)) {
      this.forget(config);
      this.locks
        .run(config.functionName, () => this.deps.store.deleteUrlConfig(config.urlId))
        .catch((err: unknown) => this.reportError(err, `deleting the function URL of ${config.functionName}`));
    }
  }

  private newUrlId(): string {
    for (;;) {
      let id = '';
      for (let i = 0; i < 32; i++) id += URL_ID_ALPHABET[randomInt(URL_ID_ALPHABET.length)];
      if (!this.byId.has(id)) return id;
    }
  }

  private now(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }
}
