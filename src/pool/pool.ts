/**
 * The pool: the one entry point the invoke layer uses to run a synchronous invocation.
 * It finds the version's manager (making a new one, and draining the old, when what the
 * environment depends on changed), takes an idle provisioned environment of it if there is
 * one and a concurrency lease (CountingService) in the same turn, and runs the invocation
 * on that environment or another. It also keeps each version's provisioned environments
 * (`provision`). The pool keeps everything in memory: the caller resolves
 * the code and layer directories once and passes them with the version, so the hot path
 * touches no disk.
 */
import { availableParallelism } from 'node:os';
import type { Clock } from '../core/clock.js';
import { ServiceException, TooManyRequestsException } from '../core/errors.js';
import type { FunctionCredentials } from '../core/function-credentials.js';
import { LIMITS } from '../core/limits.js';
import { Semaphore } from '../core/primitives.js';
import type { FunctionVersion } from '../core/model/functions.js';
import type { Invocation, InvocationOutcome } from '../core/model/invocation.js';
import type { LogSink } from '../logs/log-stream.js';
import { DEFAULT_MAX_RESPONSE_BYTES } from '../runtime-api/runtime-endpoint.js';
import type { RuntimeCommandResolver } from '../sandbox/runtime-command.js';
import type { SandboxDriver } from '../sandbox/sandbox-driver.js';
import { CountingService, type ConcurrencyStats, type ServerConcurrency } from './counting-service.js';
import { ENVIRONMENT_STATES, type EnvironmentState } from './environment-state.js';
import type { EnvironmentDeps, InvokableVersion } from './execution-environment.js';
import { VersionManager } from './version-manager.js';
import { versionFingerprint } from './version-fingerprint.js';

export type { InvokableVersion } from './execution-environment.js';
export { ProvisioningError } from './version-manager.js';
export { versionFingerprint } from './version-fingerprint.js';

export interface PoolOptions {
  driver: SandboxDriver;
  commands: RuntimeCommandResolver;
  /** Where log lines go (the LogStore). */
  logs: LogSink;
  clock: Clock;
  /** AWS_REGION of every function. */
  region: string;
  /** Account concurrency limit (default 1000). */
  accountConcurrency?: number;
  /** What the whole server allows across every account's pool; absent: only the account limit. */
  serverConcurrency?: ServerConcurrency;
  /** Idle time before an environment is stopped (default 10 minutes). */
  keepAliveMs?: number;
  /** SIGTERM → SIGKILL grace when stopping environments (default 2 s). */
  stopGraceMs?: number;
  /** Spawn → first /next limit (default Lambda's 10 s). */
  initTimeoutMs?: number;
  /** Runtimes initialising at once (default twice the CPUs, at least 4); further starts wait before they spawn. */
  concurrentInits?: number;
  /** The permits of `concurrentInits`, when several pools (one per account) share them. */
  initPermits?: Semaphore;
  /** Largest function response (default Lambda's 6 MiB + 100 bytes). */
  maxResponseBytes?: number;
  /** Called when a replaced or deleted version's environments have all stopped (its code may be collected). */
  onRetired?: () => void;
  /** Gust's API URL, for drivers that leave functions on the host's network. */
  endpointUrl?: () => string;
  /** Mints a function's temporary credentials for each environment. */
  credentials?: (version: FunctionVersion) => FunctionCredentials;
  /** The account's concurrency counted across the nodes of a cluster; absent: this pool's count is the whole. */
  sharedLimits?: SharedLimits;
}

/**
 * Concurrency shared by every node of a cluster: an invocation holds a unit of it while it
 * runs, wherever it runs, so the cluster admits no more than its limits at once.
 */
export interface SharedLimits {
  /** Takes one of `functionName`'s `reserved` slots: the function that gives it back, or undefined when every slot is held. */
  takeReserved(functionName: string, reserved: number): Promise<(() => void) | undefined>;
  /** Takes one unit of an unreserved pool of `unreserved` units: its release, or undefined when none is free. */
  takeUnreserved(unreserved: number): Promise<(() => void) | undefined>;
}

/** What `Pool.run` may do for one invocation. */
export interface RunOptions {
  /** Run only on an environment that is idle now (one sent here by another node); otherwise NoIdleEnvironmentError. */
  idleOnly?: boolean;
}

/** `idleOnly` found no idle environment of the version: the caller runs the invocation elsewhere. */
export class NoIdleEnvironmentError extends Error {
  constructor() {
    super('No idle environment of the version.');
    this.name = 'NoIdleEnvironmentError';
  }
}

export interface PoolStats {
  environments: Record<EnvironmentState, number>;
  /** Version managers alive, including draining ones. */
  versions: number;
  concurrency: ConcurrencyStats;
}

/** Permits for runtimes initialising at once: `count`, by default twice the CPUs and at least 4. */
export function initPermits(count = Math.max(4, 2 * availableParallelism())): Semaphore {
  return new Semaphore(count);
}

export class Pool {
  readonly counting: CountingService;
  private readonly deps: EnvironmentDeps;
  private readonly keepAliveMs: number;
  /** The current manager per `name\0version`. */
  private readonly managers = new Map<string, VersionManager>();
  /** Managers replaced or drained that still have environments. */
  private readonly retiring = new Set<VersionManager>();
  private closed = false;

  constructor(private readonly options: PoolOptions) {
    this.counting = new CountingService({ accountLimit: options.accountConcurrency ?? 1000, ...(options.serverConcurrency ? { server: options.serverConcurrency } : {}) });
    this.keepAliveMs = options.keepAliveMs ?? 10 * 60 * 1000;
    this.deps = {
      driver: options.driver,
      commands: options.commands,
      logs: options.logs,
      clock: options.clock,
      region: options.region,
      initTimeoutMs: options.initTimeoutMs ?? LIMITS.initTimeoutMs,
      inits: options.initPermits ?? initPermits(options.concurrentInits),
      stopGraceMs: options.stopGraceMs ?? 2000,
      maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      ...(options.endpointUrl ? { endpointUrl: options.endpointUrl } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    };
  }

  /**
   * Runs one synchronous invocation of `version` under a concurrency lease. Throws
   * TooManyRequestsException when concurrency is exhausted and InvalidRuntimeException when
   * the host cannot run the runtime; every failure of the function itself (errors, timeouts,
   * crashes, init errors) is an outcome with `outcome: 'error'`.
   */
  async run(version: InvokableVersion, invocation: Invocation, options: RunOptions = {}): Promise<InvocationOutcome> {
    if (this.closed) throw new ServiceException('The server is shutting down.');
    if (options.idleOnly && !this.hasIdle(version.functionName, version.version)) throw new NoIdleEnvironmentError();
    const manager = this.managerFor(version);
    // Provisioned first; an invocation on one takes nothing from the unreserved pool.
    const provisioned = manager.takeProvisioned();
    let lease;
    let unit: (() => void) | undefined;
    try {
      lease = this.counting.acquire(version.functionName, provisioned !== undefined);
      // This node's count first: what it refuses costs the cluster nothing.
      if (this.options.sharedLimits) unit = await this.takeShared(this.options.sharedLimits, version.functionName, provisioned !== undefined);
    } catch (err) {
      lease?.release();
      if (provisioned) manager.giveBack(provisioned);
      throw err;
    }
    try {
      return await manager.serve(invocation, provisioned);
    } finally {
      unit?.();
      lease.release();
    }
  }

  /** A unit of the cluster's count for one invocation; throws TooManyRequestsException as the local count does. */
  private async takeShared(shared: SharedLimits, functionName: string, onProvisioned: boolean): Promise<(() => void) | undefined> {
    const reserved = this.counting.reservedConcurrency(functionName);
    if (reserved !== undefined) {
      const slot = await shared.takeReserved(functionName, reserved);
      if (!slot) throw new TooManyRequestsException('Rate Exceeded.', 'ReservedFunctionConcurrentInvocationLimitExceeded');
      return slot;
    }
    // A provisioned environment's invocation is covered by its function's claim on the pool.
    if (onProvisioned) return undefined;
    const unit = await shared.takeUnreserved(this.counting.unreservedLimit());
    if (!unit) throw new TooManyRequestsException('Rate Exceeded.', 'ConcurrentInvocationLimitExceeded');
    return unit;
  }

  /**
   * Keeps `count` environments of `version` started ahead of invocations (0 lets them go).
   * Resolves when they are ready; rejects with ProvisioningError when the function's init
   * fails. The version's manager is made if needed and kept while it has any.
   */
  provision(version: InvokableVersion, count: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    // Letting go needs no manager: a version drained or never provisioned has nothing to stop.
    if (count === 0) return this.managers.get(`${version.functionName}\0${version.version}`)?.provision(0) ?? Promise.resolve();
    return this.managerFor(version).provision(count);
  }

  /** Provisioned environments of `version` ready to serve. */
  provisionedReady(version: Pick<InvokableVersion, 'functionName' | 'version'>): number {
    return this.managers.get(`${version.functionName}\0${version.version}`)?.provisionedReady() ?? 0;
  }

  /** Sets a function's provisioned concurrency as counted against the account (see CountingService.setProvisioned). */
  setProvisionedConcurrency(functionName: string, count: number | undefined): void {
    this.counting.setProvisioned(functionName, count);
  }

  /** Sets or clears a function's reserved concurrency (see CountingService.setReserved). */
  setReservedConcurrency(functionName: string, reserved: number | undefined): void {
    this.counting.setReserved(functionName, reserved);
  }

  /**
   * After a code or configuration update: in-flight invocations finish on their
   * environments, new ones start new environments, and the old environments stop once
   * idle. Resolves when the old environments have stopped. With `isCurrent`, only the
   * managers whose version it rejects are drained (a published version is immutable, so
   * an update of $LATEST leaves its environments warm).
   */
  async drainFunction(functionName: string, isCurrent?: (version: InvokableVersion) => boolean): Promise<void> {
    const stale = this.take(functionName, isCurrent ? (m) => !isCurrent(m.version) : () => true);
    await Promise.all(stale.map((m) => this.retire(m)));
  }

  /** Stops everything (server shutdown): SIGTERM, SIGKILL after the grace; no process survives. */
  async stopAll(): Promise<void> {
    this.closed = true;
    const all = [...this.managers.values(), ...this.retiring];
    this.managers.clear();
    await Promise.all(all.map((m) => m.stop()));
  }

  stats(): PoolStats {
    const environments = Object.fromEntries(ENVIRONMENT_STATES.map((s) => [s, 0])) as Record<EnvironmentState, number>;
    const all = [...this.managers.values(), ...this.retiring];
    for (const m of all) m.countByState(environments);
    return { environments, versions: all.length, concurrency: this.counting.stats() };
  }

  /** Code hashes (code and layers) of every version the pool may still run, retiring ones included. */
  codeHashes(): Set<string> {
    const hashes = new Set<string>();
    for (const m of [...this.managers.values(), ...this.retiring]) {
      hashes.add(m.version.codeHash);
      for (const layer of m.version.layers) hashes.add(layer.codeHash);
    }
    return hashes;
  }

  /** Whether an invocation of this version would find an idle environment now. */
  hasIdle(functionName: string, version: string): boolean {
    return this.managers.get(`${functionName}\0${version}`)?.hasIdle ?? false;
  }

  /** The versions with environments running here (ready, busy or starting), as `name\0version`. */
  warmVersions(): string[] {
    return [...this.managers].filter(([, m]) => m.warm).map(([key]) => key);
  }

  /** The versions with provisioned environments ready here, as `name\0version`. */
  provisionedVersions(): string[] {
    return [...this.managers].filter(([, m]) => m.provisionedReady() > 0).map(([key]) => key);
  }

  /** Runtime pids of every live environment of a function (diagnostics and tests). */
  pids(functionName?: string): number[] {
    return [...this.managers.values(), ...this.retiring]
      .filter((m) => functionName === undefined || m.version.functionName === functionName)
      .flatMap((m) => m.pids());
  }

  /**
   * The manager for this configuration. Keyed on what the environment depends on (its
   * fingerprint), not on the RevisionId: tags and PublishVersion bump $LATEST's RevisionId
   * without changing anything an environment sees, and must not cold-start it. A changed
   * fingerprint retires the previous manager.
   */
  private managerFor(version: InvokableVersion): VersionManager {
    const key = `${version.functionName}\0${version.version}`;
    const current = this.managers.get(key);
    if (current && (current.version === version || versionFingerprint(current.version) === versionFingerprint(version))) return current;
    if (current) void this.retire(current);
    const manager = new VersionManager(version, { deps: this.deps, clock: this.options.clock, keepAliveMs: this.keepAliveMs });
    this.managers.set(key, manager);
    return manager;
  }

  /** Removes a function's current managers (those `which` picks) from the map, so new invocations get new ones. */
  private take(functionName: string, which: (m: VersionManager) => boolean = () => true): VersionManager[] {
    const taken: VersionManager[] = [];
    for (const [key, m] of this.managers) {
      if (m.version.functionName !== functionName || !which(m)) continue;
      this.managers.delete(key);
      taken.push(m);
    }
    return taken;
  }

  private async retire(manager: VersionManager): Promise<void> {
    this.retiring.add(manager);
    try {
      await manager.drain();
    } finally {
      this.retiring.delete(manager);
      this.options.onRetired?.();
    }
  }
}
