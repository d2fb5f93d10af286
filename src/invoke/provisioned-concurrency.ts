/**
 * Provisioned concurrency as the API reports it and the pool keeps it. The control plane
 * stores the configurations (FunctionService); this service follows them (and the aliases
 * they name) and asks the pool to keep that many environments of each version started:
 * an alias's configuration provisions the versions the alias routes to, split by the
 * alias's weights as AWS splits them, and moves with the alias.
 * The answers carry the allocation: `IN_PROGRESS` while environments start, `READY` once
 * they all are, `FAILED` with a `StatusReason` when the function's init fails (not retried:
 * the same code would fail again; a new Put tries again). After a restart every stored
 * configuration is provisioned again. In a cluster only the keeper node provisions
 * (`keeps`), so a configuration of N is N environments in the cluster.
 * https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html
 */
import type { FunctionVersion, ProvisionedConcurrencyConfig } from '../core/model/functions.js';
import type { FunctionService, Page } from '../control/function-service.js';
import type { PageRequest } from '../control/function-inputs.js';
import { ProvisioningError, type InvokableVersion, type Pool } from '../pool/pool.js';

export type ProvisionedStatus = 'IN_PROGRESS' | 'READY' | 'FAILED';

/** A configuration with its allocation, as Get/List/Put answer it. */
export interface ProvisionedConcurrencyView extends ProvisionedConcurrencyConfig {
  allocated: number;
  available: number;
  status: ProvisionedStatus;
  statusReason?: string;
}

export interface ProvisionedConcurrencyDeps {
  functions: FunctionService;
  pool: Pick<Pool, 'provision' | 'provisionedReady' | 'setProvisionedConcurrency'>;
  /** The version as the pool runs it (InvokeService.invokable), so provisioned and invoked environments are the same manager's. */
  invokable(version: FunctionVersion): InvokableVersion;
  /** Where failures that reach nobody are reported. */
  reportError?: (err: unknown, context: string) => void;
  /**
   * Whether this process keeps the provisioned environments: always, but on a cluster node
   * that is not the keeper (server/keeper.ts), which counts the configurations and starts none.
   */
  keeps?: () => boolean;
}

/** One version's provisioning: how many, and how the last request for that many ended. */
interface Allocation {
  version: InvokableVersion;
  count: number;
  status: ProvisionedStatus;
  reason?: string;
}

const UNPUBLISHED = 'Provisioned Concurrency Configs cannot be applied to unpublished function versions.';

export class ProvisionedConcurrency {
  /** Per function, per version number: what the pool was asked to keep. */
  private readonly allocations = new Map<string, Map<string, Allocation>>();
  private readonly unsubscribe: () => void;
  private readonly reportError: (err: unknown, context: string) => void;

  constructor(private readonly deps: ProvisionedConcurrencyDeps) {
    this.reportError = deps.reportError ?? ((err, context) => process.emitWarning(`${context}: ${String(err)}`));
    this.unsubscribe = deps.functions.onChange((name, change) => {
      if (change.kind === 'deleted') this.forget(name);
      else if (['provisioned', 'alias', 'version-deleted', 'concurrency'].includes(change.kind)) this.reconcile(name);
    });
  }

  /** Provisions every stored configuration (at start-up, after FunctionService.load; on a cluster node that became the keeper). */
  start(): void {
    for (const name of this.deps.functions.functionNamesSync()) this.reconcile(name);
  }

  /** Lets every provisioned environment go: this cluster node is no longer the keeper. */
  letGo(): void {
    for (const [name, versions] of this.allocations) for (const allocation of versions.values()) this.request(name, allocation.version, 0, undefined);
    this.allocations.clear();
  }

  close(): void {
    this.unsubscribe();
  }

  async put(name: string, qualifier: string | undefined, requested: number | undefined): Promise<ProvisionedConcurrencyView> {
    return this.view(await this.deps.functions.putProvisionedConcurrency(name, qualifier, requested));
  }

  get(name: string, qualifier: string | undefined): ProvisionedConcurrencyView {
    return this.view(this.deps.functions.getProvisionedConcurrency(name, qualifier));
  }

  delete(name: string, qualifier: string | undefined): Promise<void> {
    return this.deps.functions.deleteProvisionedConcurrency(name, qualifier);
  }

  list(name: string, page: PageRequest): Page<ProvisionedConcurrencyView> {
    const result = this.deps.functions.listProvisionedConcurrency(name, page);
    return { ...result, items: result.items.map((c) => this.view(c)) };
  }

  /**
   * The versions a configuration provisions and how many each: its own version, or the
   * alias's versions by weight (the additional versions' shares rounded, the primary the rest).
   */
  private shares(config: ProvisionedConcurrencyConfig): Map<string, number> {
    if (/^[0-9]+$/.test(config.qualifier)) return new Map([[config.qualifier, config.requested]]);
    const alias = this.deps.functions.getAliasSync(config.functionName, config.qualifier);
    if (!alias) return new Map();
    const shares = new Map<string, number>();
    let rest = config.requested;
    for (const [version, weight] of Object.entries(alias.additionalVersionWeights)) {
      const share = Math.min(rest, Math.round(config.requested * weight));
      if (share > 0) shares.set(version, share);
      rest -= share;
    }
    if (rest > 0) shares.set(alias.functionVersion, rest);
    return shares;
  }

  private view(config: ProvisionedConcurrencyConfig): ProvisionedConcurrencyView {
    const shares = this.shares(config);
    if (shares.has('$LATEST')) return { ...config, allocated: 0, available: 0, status: 'FAILED', statusReason: UNPUBLISHED };
    let ready = 0;
    let status: ProvisionedStatus = 'READY';
    let reason: string | undefined;
    for (const [versionName, share] of shares) {
      const allocation = this.allocations.get(config.functionName)?.get(versionName);
      if (!allocation || allocation.status === 'IN_PROGRESS') {
        if (status !== 'FAILED') status = 'IN_PROGRESS';
      } else if (allocation.status === 'FAILED') {
        status = 'FAILED';
        reason = allocation.reason;
      }
      if (allocation) ready += Math.min(share, this.deps.pool.provisionedReady(allocation.version));
    }
    return { ...config, allocated: ready, available: ready, status, ...(reason === undefined ? {} : { statusReason: reason }) };
  }

  /**
   * Brings the pool in line with the function's configurations: each published version
   * gets the sum of the shares of the configurations that target it; versions no longer targeted let
   * their environments go. Versions whose count did not change are left alone.
   */
  private reconcile(name: string): void {
    const configs = this.deps.functions.provisionedConfigsSync(name);
    const total = configs.reduce((sum, c) => sum + c.requested, 0);
    if (!(this.deps.keeps?.() ?? true)) {
      this.deps.pool.setProvisionedConcurrency(name, total);
      return;
    }
    const wanted = new Map<string, number>();
    for (const config of configs) {
      for (const [versionName, share] of this.shares(config)) {
        if (versionName !== '$LATEST') wanted.set(versionName, (wanted.get(versionName) ?? 0) + share);
      }
    }
    const current = this.allocations.get(name) ?? new Map<string, Allocation>();
    for (const [versionName, allocation] of current) {
      if (wanted.has(versionName)) continue;
      current.delete(versionName);
      this.request(name, allocation.version, 0, undefined);
    }
    for (const [versionName, count] of wanted) {
      const before = current.get(versionName);
      if (before?.count === count) continue;
      const version = this.deps.functions.getVersionSync(name, versionName);
      if (!version) continue;
      const allocation: Allocation = { version: this.deps.invokable(version), count, status: 'IN_PROGRESS' };
      current.set(versionName, allocation);
      this.request(name, allocation.version, count, allocation);
    }
    if (current.size > 0) this.allocations.set(name, current);
    else this.allocations.delete(name);
    this.deps.pool.setProvisionedConcurrency(name, total);
  }

  /** Asks the pool for `count` environments; the allocation (if any) records how it ended, unless a later request replaced it. */
  private request(name: string, version: InvokableVersion, count: number, allocation: Allocation | undefined): void {
    this.deps.pool.provision(version, count).then(
      () => {
        if (allocation && this.allocations.get(name)?.get(version.version) === allocation) allocation.status = 'READY';
      },
      (err: unknown) => {
        if (!(err instanceof ProvisioningError)) this.reportError(err, `provisioning ${name}:${version.version}`);
        if (!allocation || this.allocations.get(name)?.get(version.version) !== allocation) return;
        allocation.status = 'FAILED';
        allocation.reason = err instanceof ProvisioningError ? `FUNCTION_ERROR_INIT_FAILURE: ${err.failure.errorType}` : 'INTERNAL_ERROR';
      },
    );
  }

  private forget(name: string): void {
    // DeleteFunction drains the function's environments, provisioned ones included.
    this.allocations.delete(name);
    this.deps.pool.setProvisionedConcurrency(name, undefined);
  }
}
