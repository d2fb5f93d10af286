/**
 * The metrics of a Gust server: one InvocationObserver that feeds both the Prometheus
 * counters and the per-function history, and the three readings the HTTP edge serves
 * (`/metrics`, `/gust/metrics/history`, `/gust/metrics/summary`).
 */
import type { InvocationObserver, InvocationRun } from '../invoke/invocation-observer.js';
import { MetricsHistory, type HistoryAnswer } from './history.js';
import type { SummaryRow } from '../core/model/metrics.js';
import { PrometheusMetrics } from './prometheus.js';
import type { MetricsSources } from './sources.js';

export interface GustMetricsOptions {
  /** Distinct (account, function) series before new ones count as `_other`. */
  maxFunctions?: number;
  /** Functions whose history is kept. */
  maxHistoryFunctions?: number;
  now?: () => number;
}

export class GustMetrics implements InvocationObserver {
  private readonly prometheus: PrometheusMetrics;
  private readonly history: MetricsHistory;
  private readonly now: () => number;

  constructor(private readonly sources: MetricsSources, options: GustMetricsOptions = {}) {
    this.prometheus = new PrometheusMetrics(sources, options.maxFunctions);
    this.history = new MetricsHistory(options.maxHistoryFunctions);
    this.now = options.now ?? Date.now;
  }

  finished(run: InvocationRun): void {
    this.prometheus.record(run);
    const outcome = run.outcome;
    if (outcome === undefined && run.refused !== 'throttled') return;
    const h = this.history.of(run.accountId, run.functionName);
    if (!h) return;
    if (outcome === undefined) h.throttled(run.endedAt);
    // The run's lease is given back before its answer comes here: the others still running, plus itself.
    // Concurrency only falls when a run ends, so sampling at every end sees every peak.
    else h.ran(run.endedAt, outcome.durationMs, outcome.outcome === 'error', this.sources.running(run.accountId, run.functionName) + 1);
  }

  forget(accountId: string, functionName: string): void {
    this.prometheus.forget(accountId, functionName);
    this.history.forget(accountId, functionName);
  }

  /** Loads what a scrape needs (prom-client) ahead of the first: the composition root calls it once the server listens. */
  async prepare(): Promise<void> {
    await this.prometheus.prepare();
  }

  scrape(): Promise<{ contentType: string; body: string }> {
    return this.prometheus.scrape();
  }

  historyOf(accountId: string, functionName: string): HistoryAnswer {
    return this.history.history(accountId, functionName, this.now());
  }

  summary(accountId: string): SummaryRow[] {
    return this.history.summary(accountId, this.now(), (name) => this.sources.running(accountId, name));
  }
}
