/**
 * EventInvokeConfigService: asynchronous invocation settings per function, version or
 * alias (Put/Update/Get/Delete/ListFunctionEventInvokeConfigs): how many times the queue
 * retries a function error, how old an event may grow, and where records of successes
 * and failures go. Every configuration is kept in memory, so that the async queue reads
 * them synchronously (`settingsFor`), and written through to the EventQueueStore. A
 * configuration goes when its function, version or alias goes, as on AWS.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-configuring.html
 */
import { functionArn, resolveQualifier, type FunctionRef, type Partition } from '../core/arn.js';
import type { Clock } from '../core/clock.js';
import { InvalidParameterValueException, ResourceNotFoundException } from '../core/errors.js';
import { KeyedMutex } from '../core/primitives.js';
import type { EventInvokeConfig } from '../core/model/event-invoke-config.js';
import type { EventQueueStore } from '../store/event-queue.js';
import {
  DEFAULT_MAXIMUM_EVENT_AGE_SECONDS,
  DEFAULT_MAXIMUM_RETRY_ATTEMPTS,
  arnService,
  checkDeliverableService,
  checkDestinationPattern,
  checkEventAge,
  checkRetryAttempts,
  parseFunctionArn,
  type DestinationConfigInput,
  type DestinationInput,
} from './event-invoke-config-validation.js';
import type { FunctionService } from './function-service.js';
import type { PageRequest } from './function-inputs.js';
import { paginate, versionSortKey, type Page } from './pagination.js';

export type { DestinationConfigInput } from './event-invoke-config-validation.js';

export interface EventInvokeConfigServiceDeps {
  store: Pick<EventQueueStore, 'write' | 'listConfigs'>;
  functions: FunctionService;
  partition: Partition;
  clock: Clock;
  /**
   * The ARN services the server can deliver invocation records to (default `lambda`); the
   * composition root passes the async queue's destination router, asked at every check.
   */
  deliverable?: { services(): ReadonlySet<string> };
  /** Where failures of background deletions are reported. */
  reportError?: (err: unknown, context: string) => void;
  /** Told after a function's configurations were written here: a cluster's node tells the other nodes (server/cluster-node.ts). */
  announce?: (functionName: string) => void;
}

/** What Put and Update take; undefined members were not given. */
export interface EventInvokeConfigInput {
  function: FunctionRef;
  /** The `Qualifier` query parameter. */
  qualifier?: string;
  maximumRetryAttempts?: number;
  maximumEventAgeInSeconds?: number;
  destinationConfig?: DestinationConfigInput;
}

/** The settings the async queue applies to an event: AWS's defaults where none are set. */
export interface AsyncSettings {
  maximumRetryAttempts: number;
  maximumEventAgeInSeconds: number;
  onSuccess?: string;
  onFailure?: string;
}

const FUNCTION_MISSING = "The function doesn't exist.";
const AT_LEAST_ONE = 'You must specify at least one of error handling or destination setting.';

function key(functionName: string, qualifier: string): string {
  return `${functionName}\u0000${qualifier}`;
}

/** $LATEST first, then versions in numeric order, then aliases by name. */
function listKey(qualifier: string): string {
  return /^(\$LATEST|[0-9]+)$/.test(qualifier) ? `0${versionSortKey(qualifier)}` : `1${qualifier}`;
}

export class EventInvokeConfigService {
  private readonly configs = new Map<string, EventInvokeConfig>();
  private readonly locks = new KeyedMutex();
  private readonly deliverable: { services(): ReadonlySet<string> };
  private readonly reportError: (err: unknown, context: string) => void;
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: EventInvokeConfigServiceDeps) {
    this.deliverable = deps.deliverable ?? { services: () => new Set(['lambda']) };
    this.reportError = deps.reportError ?? ((err, context) => process.emitWarning(`${context}: ${String(err)}`));
    this.unsubscribe = deps.functions.onChange((name, change) => {
      if (change.kind === 'deleted') this.dropWhere((c) => c.functionName === name);
      else if ((change.kind === 'alias' || change.kind === 'version-deleted') && change.qualifier !== undefined && !this.qualifierExists(name, change.qualifier)) {
        const q = change.qualifier;
        this.dropWhere((c) => c.functionName === name && c.qualifier === q);
      }
    });
  }

  /** Warms the cache; call after FunctionService.load. Drops configurations whose target is gone. */
  async load(): Promise<void> {
    for (const config of await this.deps.store.listConfigs()) {
      if (this.qualifierExists(config.functionName, config.qualifier)) this.configs.set(key(config.functionName, config.qualifier), config);
      else await this.deps.store.write([{ kind: 'deleteConfig', functionName: config.functionName, qualifier: config.qualifier }]);
    }
  }

  /**
   * Reads one function's configurations again (every function's when none is named):
   * another node of a cluster wrote them, or notes may have been lost.
   */
  async refresh(functionName?: string): Promise<void> {
    const read = async () => {
      const stored = (await this.deps.store.listConfigs()).filter((c) => functionName === undefined || c.functionName === functionName);
      for (const [k, c] of [...this.configs]) if (functionName === undefined || c.functionName === functionName) this.configs.delete(k);
      for (const c of stored) this.configs.set(key(c.functionName, c.qualifier), c);
    };
    await (functionName === undefined ? read() : this.locks.run(functionName, read));
  }

  close(): void {
    this.unsubscribe();
  }

  /** The qualified ARN a configuration reports (`…:function:name:$LATEST` when unqualified). */
  functionArn(config: Pick<EventInvokeConfig, 'functionName' | 'qualifier'>): string {
    return functionArn(this.deps.partition, config.functionName, config.qualifier);
  }

  /** The settings for events invoked with `qualifier` (synchronous; for the async queue). */
  settingsFor(functionName: string, qualifier: string | undefined): AsyncSettings {
    const c = this.configs.get(key(functionName, qualifier ?? '$LATEST'));
    return {
      maximumRetryAttempts: c?.maximumRetryAttempts ?? DEFAULT_MAXIMUM_RETRY_ATTEMPTS,
      maximumEventAgeInSeconds: c?.maximumEventAgeInSeconds ?? DEFAULT_MAXIMUM_EVENT_AGE_SECONDS,
      ...(c?.onSuccess === undefined ? {} : { onSuccess: c.onSuccess }),
      ...(c?.onFailure === undefined ? {} : { onFailure: c.onFailure }),
    };
  }

  /** PutFunctionEventInvokeConfig: creates or replaces; settings left out are removed. */
  async put(input: EventInvokeConfigInput): Promise<EventInvokeConfig> {
    const { name, qualifier } = this.target(input);
    this.checkInput(input, name);
    return this.locks.run(name, async () => {
      this.requireTarget(name, qualifier);
      const next: EventInvokeConfig = {
        functionName: name,
        qualifier,
        ...(input.maximumRetryAttempts === undefined ? {} : { maximumRetryAttempts: input.maximumRetryAttempts }),
        ...(input.maximumEventAgeInSeconds === undefined ? {} : { maximumEventAgeInSeconds: input.maximumEventAgeInSeconds }),
        ...destinations(input.destinationConfig, {}),
        lastModified: this.deps.clock.now(),
      };
      return this.save(next);
    });
  }

  /** UpdateFunctionEventInvokeConfig: merges the settings given onto the existing configuration. */
  async update(input: EventInvokeConfigInput): Promise<EventInvokeConfig> {
    const { name, qualifier } = this.target(input);
    this.checkInput(input, name);
    return this.locks.run(name, async () => {
      this.requireTarget(name, qualifier);
      const current = this.configs.get(key(name, qualifier));
      if (!current) throw this.missing(name, qualifier);
      const { onSuccess: _s, onFailure: _f, ...rest } = current;
      const next: EventInvokeConfig = {
        ...rest,
        ...(input.maximumRetryAttempts === undefined ? {} : { maximumRetryAttempts: input.maximumRetryAttempts }),
        ...(input.maximumEventAgeInSeconds === undefined ? {} : { maximumEventAgeInSeconds: input.maximumEventAgeInSeconds }),
        ...destinations(input.destinationConfig, current),
        lastModified: this.deps.clock.now(),
      };
      return this.save(next);
    });
  }

  get(ref: FunctionRef, qualifierParam?: string): EventInvokeConfig {
    const { name, qualifier } = this.target({ function: ref, ...(qualifierParam === undefined ? {} : { qualifier: qualifierParam }) });
    const config = this.configs.get(key(name, qualifier));
    if (!config) throw this.missing(name, qualifier);
    return { ...config };
  }

  async delete(ref: FunctionRef, qualifierParam?: string): Promise<void> {
    const { name, qualifier } = this.target({ function: ref, ...(qualifierParam === undefined ? {} : { qualifier: qualifierParam }) });
    await this.locks.run(name, async () => {
      if (!this.configs.has(key(name, qualifier))) throw this.missing(name, qualifier);
      await this.deps.store.write([{ kind: 'deleteConfig', functionName: name, qualifier }]);
      this.configs.delete(key(name, qualifier));
      this.deps.announce?.(name);
    });
  }

  /** The function's configurations: $LATEST, versions, then aliases. */
  list(functionName: string, page: PageRequest): Page<EventInvokeConfig> {
    if (!this.deps.functions.getFunctionSync(functionName)) throw new ResourceNotFoundException(FUNCTION_MISSING);
    const all = [...this.configs.values()].filter((c) => c.functionName === functionName).sort((a, b) => (listKey(a.qualifier) < listKey(b.qualifier) ? -1 : 1));
    const result = paginate(all, (c) => listKey(c.qualifier), page);
    return { ...result, items: result.items.map((c) => ({ ...c })) };
  }

  private target(input: Pick<EventInvokeConfigInput, 'function' | 'qualifier'>): { name: string; qualifier: string } {
    return { name: input.function.name, qualifier: resolveQualifier(input.function, input.qualifier) ?? '$LATEST' };
  }

  private checkInput(input: EventInvokeConfigInput, functionName: string): void {
    if (input.maximumRetryAttempts === undefined && input.maximumEventAgeInSeconds === undefined && input.destinationConfig === undefined) {
      throw new InvalidParameterValueException(AT_LEAST_ONE);
    }
    if (input.maximumRetryAttempts !== undefined) checkRetryAttempts(input.maximumRetryAttempts);
    if (input.maximumEventAgeInSeconds !== undefined) checkEventAge(input.maximumEventAgeInSeconds);
    const config = input.destinationConfig;
    if (!config) return;
    for (const member of ['onSuccess', 'onFailure'] as const) {
      const arn = config[member]?.destination;
      if (arn) checkDestinationPattern(arn, member);
    }
    for (const member of ['onSuccess', 'onFailure'] as const) {
      const arn = config[member]?.destination;
      if (arn) this.checkDestination(arn, config, functionName);
    }
  }

  /** A destination Gust can deliver to, that exists, in this region and account, and is not the function itself. */
  private checkDestination(arn: string, config: DestinationConfigInput, functionName: string): void {
    checkDeliverableService(arn, config, this.deliverable.services());
    if (arnService(arn) !== 'lambda') return;
    const parts = parseFunctionArn(arn);
    const invalid = new InvalidParameterValueException(`The destination ARN ${arn} is invalid.`);
    if (!parts || parts.region !== this.deps.partition.region || parts.accountId !== this.deps.partition.accountId) throw invalid;
    if (parts.name === functionName) throw new InvalidParameterValueException("You can't specify the function as a destination for itself.");
    if (!this.deps.functions.resolveSync(parts.name, parts.qualifier)) throw invalid;
  }

  private requireTarget(name: string, qualifier: string): void {
    if (!this.qualifierExists(name, qualifier)) throw new ResourceNotFoundException(FUNCTION_MISSING);
  }

  private qualifierExists(name: string, qualifier: string): boolean {
    if (!this.deps.functions.getFunctionSync(name)) return false;
    if (qualifier === '$LATEST') return true;
    if (/^[0-9]+$/.test(qualifier)) return this.deps.functions.getVersionSync(name, qualifier) !== undefined;
    return this.deps.functions.getAliasSync(name, qualifier) !== undefined;
  }

  private missing(name: string, qualifier: string): ResourceNotFoundException {
    return new ResourceNotFoundException(`The function ${functionArn(this.deps.partition, name, qualifier)} doesn't have an EventInvokeConfig`);
  }

  private async save(config: EventInvokeConfig): Promise<EventInvokeConfig> {
    await this.deps.store.write([{ kind: 'putConfig', config }]);
    // The target may have been deleted while the write was in flight; its change event had
    // nothing to remove then, so check again before keeping the configuration.
    if (!this.qualifierExists(config.functionName, config.qualifier)) {
      await this.deps.store.write([{ kind: 'deleteConfig', functionName: config.functionName, qualifier: config.qualifier }]);
      throw new ResourceNotFoundException(FUNCTION_MISSING);
    }
    this.configs.set(key(config.functionName, config.qualifier), config);
    this.deps.announce?.(config.functionName);
    return { ...config };
  }

  /** Removes matching configurations from memory at once, then from the store. */
  private dropWhere(match: (config: EventInvokeConfig) => boolean): void {
    for (const config of [...this.configs.values()].filter(match)) {
      this.configs.delete(key(config.functionName, config.qualifier));
      this.locks
        .run(config.functionName, () => this.deps.store.write([{ kind: 'deleteConfig', functionName: config.functionName, qualifier: config.qualifier }]))
        .catch((err: unknown) => this.reportError(err, `deleting the event invoke config of ${config.functionName}:${config.qualifier}`));
    }
  }
}

/**
 * The destinations a request leaves in place: a member given replaces the current one
 * (an empty one removes it); a member left out keeps the current one.
 */
function destinations(given: DestinationConfigInput | undefined, current: Pick<EventInvokeConfig, 'onSuccess' | 'onFailure'>): Pick<EventInvokeConfig, 'onSuccess' | 'onFailure'> {
  const pick = (member: DestinationInput | undefined, now: string | undefined) => (member === undefined ? now : member.destination || undefined);
  const onSuccess = pick(given?.onSuccess, current.onSuccess);
  const onFailure = pick(given?.onFailure, current.onFailure);
  return { ...(onSuccess === undefined ? {} : { onSuccess }), ...(onFailure === undefined ? {} : { onFailure }) };
}
