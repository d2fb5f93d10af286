/**
 * What every control-plane operation shares: the dependencies, the registry (cache and
 * write path), one lock per function that serialises its writes, the change
 * listeners, and the step that finishes a version's creation or update right after
 * the write that started it.
 */
import { functionArn, type Partition } from '../core/arn.js';
import type { Clock } from '../core/clock.js';
import { InvalidRuntimeException, PreconditionFailedException, ResourceNotFoundException } from '../core/errors.js';
import { newRevisionId } from '../core/ids.js';
import type { Runtime } from '../core/limits.js';
import type { FunctionRecord, FunctionVersion } from '../core/model/functions.js';
import { KeyedMutex, Mutex } from '../core/primitives.js';
import type { BlobStore } from '../store/blob-store.js';
import type { CodeStorage } from './code-storage.js';
import { StaleFunctionRecordError, type MetadataStore, type StoreWrite } from '../store/metadata-store.js';
import { FunctionRegistry } from './function-registry.js';
import { fail, settle, waitWithReason, type SettleFailure } from './function-state.js';
import type { RuntimeAvailability } from './runtime-availability.js';

export interface FunctionServiceDeps {
  store: MetadataStore;
  blobs: BlobStore;
  /** Counts stored code against the storage limit and collects it; without it code is never collected. */
  code?: CodeStorage;
  partition: Partition;
  clock: Clock;
  /** The account's concurrency limit (AWS's default quota is 1000). */
  accountConcurrencyLimit?: number;
  /** Where failures of background work (finishing a creation, listeners) are reported. */
  reportError?: (err: unknown, context: string) => void;
  /** Whether each runtime can run here; a version waits Pending while its runtime installs. */
  runtimes?: RuntimeAvailability;
  /** The host networks VpcConfig's subnets may name. */
  networks?: readonly string[];
  /**
   * Told after every committed write of a function, with the change listeners were told of
   * (none for a version that finished creating or updating): a cluster's node passes it on
   * to the other nodes, which `refresh` the function.
   */
  announce?: (functionName: string, change: FunctionChange | undefined) => void;
}

/** What changed about a function; listeners drain environments on code, configuration and deletion. */
export type FunctionChangeKind =
  | 'created'
  | 'code'
  | 'configuration'
  | 'published'
  | 'version-deleted'
  | 'alias'
  | 'concurrency'
  | 'provisioned'
  | 'tags'
  /** A resource policy changed (AddPermission, RemovePermission); nothing reaches environments. */
  | 'policy'
  | 'deleted';

export interface FunctionChange {
  kind: FunctionChangeKind;
  /** The version or alias concerned, when the change is about one. */
  qualifier?: string;
}

export type FunctionChangeListener = (functionName: string, change: FunctionChange) => void;

/** How often a PublishVersion numbers again after other nodes took its number first. */
const NUMBERING_ATTEMPTS = 5;

export const PRECONDITION_MESSAGE =
  'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id';

export class ControlCore {
  readonly registry: FunctionRegistry;
  /** Serialises writes per function name. */
  readonly locks = new KeyedMutex();
  /** Serialises reserved-concurrency changes, which are checked against the whole account. */
  readonly accountLock = new Mutex();
  readonly accountConcurrencyLimit: number;
  private readonly listeners = new Set<FunctionChangeListener>();
  private readonly reportError: (err: unknown, context: string) => void;

  constructor(readonly deps: FunctionServiceDeps) {
    this.registry = new FunctionRegistry(deps.store);
    this.accountConcurrencyLimit = deps.accountConcurrencyLimit ?? 1000;
    this.reportError = deps.reportError ?? ((err, context) => process.emitWarning(`${context}: ${String(err)}`));
  }

  get partition(): Partition {
    return this.deps.partition;
  }

  arn(name: string, qualifier?: string): string {
    return functionArn(this.deps.partition, name, qualifier);
  }

  /** The current time as an ISO string, from the injected clock. */
  now(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  /** The function, or AWS's ResourceNotFoundException naming the ARN that was asked for. */
  requireFunction(name: string, qualifier?: string): FunctionRecord {
    const record = this.registry.getFunction(name);
    if (!record) throw new ResourceNotFoundException(`Function not found: ${this.arn(name, qualifier)}`);
    return record;
  }

  requireLatest(name: string): FunctionVersion {
    this.requireFunction(name);
    const latest = this.registry.getVersion(name, '$LATEST');
    if (!latest) throw new ResourceNotFoundException(`Function not found: ${this.arn(name)}`);
    return latest;
  }

  /** Runs an operation that stores code and commits what uses it (see CodeStorage.writing). */
  writingCode<T>(fn: () => Promise<T>): Promise<T> {
    return this.deps.code ? this.deps.code.writing(fn) : fn();
  }

  /** Every code hash a version of a function uses: its own and its layers'. */
  codeReferences(into: Set<string>): Set<string> {
    for (const name of this.registry.functionNames()) {
      for (const version of this.registry.versions(name)) {
        into.add(version.codeHash);
        for (const layer of version.layers) into.add(layer.codeHash);
      }
    }
    return into;
  }

  /** Every runtime a function version names. */
  runtimesInUse(into: Set<string>): Set<string> {
    for (const name of this.registry.functionNames()) for (const version of this.registry.versions(name)) if (version.runtime !== undefined) into.add(version.runtime);
    return into;
  }

  /** PreconditionFailedException when the client's RevisionId is stale. */
  checkRevision(current: string, given: string | undefined): void {
    if (given !== undefined && given !== '' && given !== current) throw new PreconditionFailedException(PRECONDITION_MESSAGE);
  }

  onChange(listener: FunctionChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stores the writes (all or none), updates the cache, then tells the listeners. */
  async commit(name: string, writes: StoreWrite[], change?: FunctionChange): Promise<void> {
    await this.registry.commit(writes);
    if (change) this.emit(name, change);
    this.deps.announce?.(name, change);
  }

  async deleteFunction(name: string): Promise<void> {
    await this.registry.deleteFunction(name);
    const change: FunctionChange = { kind: 'deleted' };
    this.emit(name, change);
    this.deps.announce?.(name, change);
  }

  /**
   * Reads the function again from the store, under its lock, and tells the listeners of
   * `change` as if it had been made here: another node committed it (announce), and this
   * node's environments drain as they would after a local write.
   */
  refresh(name: string, change: FunctionChange | undefined): Promise<void> {
    return this.locks.run(name, async () => {
      await this.registry.reload(name);
      this.prepareRuntimes(name);
      if (change) this.emit(name, change);
    });
  }

  /**
   * Installs, in the background, the runtimes of the function's versions that this node
   * lacks: the node that created or changed it installed them before the version became
   * Active, and this node's first cold start would otherwise find none. The runtimes of its
   * Active versions are told `activated` here too (once installed), as the node that
   * settled them was.
   */
  private prepareRuntimes(name: string): void {
    const runtimes = this.deps.runtimes;
    if (!runtimes) return;
    const versions = this.registry.versions(name);
    const active = new Set(versions.filter((v) => v.state === 'Active').map((v) => v.runtime));
    for (const runtime of new Set(versions.map((v) => v.runtime))) {
      if (runtime === undefined) continue;
      const activated = () => {
        if (active.has(runtime)) runtimes.activated?.(runtime);
      };
      if (runtimes.readiness(runtime).kind !== 'installing') {
        activated();
        continue;
      }
      runtimes.prepare(runtime).then(activated, (err: unknown) => this.reportError(err, `installing the runtime ${runtime} of ${name}`));
    }
  }

  /**
   * Commits writes that number a new version (`build` makes them from the function's record
   * as this node knows it). When another node took that number first (the store refuses
   * the guarded record), reads the function again and builds again; the caller holds the
   * function's lock.
   */
  async commitNumbered<T>(name: string, build: (record: FunctionRecord) => { writes: StoreWrite[]; result: T }, change: (result: T) => FunctionChange): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const { writes, result } = build(this.requireFunction(name));
      if (writes.length === 0) return result;
      try {
        await this.commit(name, writes, change(result));
        return result;
      } catch (err) {
        if (!(err instanceof StaleFunctionRecordError) || attempt === NUMBERING_ATTEMPTS) throw err;
        await this.registry.reload(name);
      }
    }
  }

  /**
   * Finishes a creation or update (Pending → Active, InProgress → Successful) right
   * after the current write. Must be called while holding the function's lock: the
   * lock is FIFO, so the step runs before any later request to the function, as soon
   * as the current one has answered with the in-between state.
   */
  settleSoon(name: string, version: string): void {
    this.locks.run(name, () => this.settleLocked(name, version)).catch((err: unknown) => this.reportError(err, `finishing ${name}:${version}`));
  }

  /** Finishes every version left half-way by a previous process (its code was stored before). */
  async settleAll(): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const name of this.registry.functionNames()) {
      for (const version of this.registry.versions(name)) {
        if (settle(version)) pending.push(this.locks.run(name, () => this.settleLocked(name, version.version)));
      }
    }
    await Promise.all(pending);
  }

  /**
   * Pending → Active (or InProgress → Successful) once the version's runtime can run: at
   * once when it is ready, after an install otherwise (the version waits with a reason that
   * says so, and the install runs outside the lock), Failed with the reason when it cannot.
   */
  private async settleLocked(name: string, versionName: string, failure?: SettleFailure): Promise<void> {
    const current = this.registry.getVersion(name, versionName);
    if (!current || !settle(current)) return;
    if (failure) return this.put(fail(current, failure));
    const runtime = current.runtime;
    const readiness = runtime === undefined || !this.deps.runtimes ? { kind: 'ready' as const } : this.deps.runtimes.readiness(runtime);
    if (readiness.kind === 'unavailable') return this.put(fail(current, { code: 'InvalidRuntime', reason: readiness.reason }));
    if (readiness.kind === 'installing') {
      await this.put(waitWithReason(current, readiness.reason), false);
      this.deps.runtimes!.prepare(runtime!).then(
        () => this.settleSoon(name, versionName),
        (err: unknown) => this.finishSoon(name, versionName, installFailure(runtime!, err)),
      );
      return;
    }
    // Lambda hands out a new RevisionId when the function becomes Active or an update completes.
    await this.put(settle(current));
    if (runtime !== undefined) this.deps.runtimes?.activated?.(runtime);
  }

  private finishSoon(name: string, version: string, failure: SettleFailure): void {
    this.locks.run(name, () => this.settleLocked(name, version, failure)).catch((err: unknown) => this.reportError(err, `failing ${name}:${version}`));
  }

  private async put(version: FunctionVersion | undefined, newRevision = true): Promise<void> {
    if (!version) return;
    await this.registry.commit([{ kind: 'putVersion', version: newRevision ? { ...version, revisionId: newRevisionId() } : version }]);
    this.deps.announce?.(version.functionName, undefined);
  }

  private emit(name: string, change: FunctionChange): void {
    for (const listener of this.listeners) {
      try {
        listener(name, change);
      } catch (err) {
        this.reportError(err, `change listener for ${name}`);
      }
    }
  }
}

/** AWS's reason code for a runtime that turned out not to be obtainable, or whose install failed. */
function installFailure(runtime: Runtime, err: unknown): SettleFailure {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof InvalidRuntimeException) return { code: 'InvalidRuntime', reason: message };
  return { code: 'InternalError', reason: `Gust could not install the runtime ${runtime}: ${message}` };
}
