/**
 * The series Gust counts on the invoke path, as plain numbers, and their exposition in
 * Prometheus' text format (version 0.0.4) at scrape time. A function's label text is
 * escaped once, when its series is made, so recording a run builds no string.
 */
import type { InvokeTrigger } from '../invoke/invoke-types.js';

/**
 * Why a function failed, as few classes as an operator acts on: `timeout` (Sandbox.Timedout),
 * `runtime` (the runtime or the platform: Runtime.*, Function.*, Sandbox.*), `function`
 * (the handler's own error).
 */
export type ErrorClass = 'function' | 'timeout' | 'runtime';
const ERROR_CLASSES: readonly ErrorClass[] = ['function', 'timeout', 'runtime'];

export function errorClassOf(errorType: string | undefined): ErrorClass {
  if (errorType === 'Sandbox.Timedout') return 'timeout';
  if (errorType !== undefined && /^(Runtime|Function|Sandbox)\./.test(errorType)) return 'runtime';
  return 'function';
}

/** Lambda's own duration scale, from a millisecond to the 15-minute limit. */
export const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];
export const INIT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A label value as the text format wants it. */
function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export class SecondsHistogram {
  /** Observations per bucket (not cumulative); the last one is above every bound. */
  private readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(seconds: number): void {
    let i = 0;
    while (i < this.bounds.length && seconds > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }

  /** The `_bucket`, `_sum` and `_count` lines of one labelled series. */
  lines(name: string, labels: string, out: string[]): void {
    let cumulative = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      cumulative += this.counts[i]!;
      out.push(`${name}_bucket{${labels},le="${this.bounds[i]}"} ${cumulative}`);
    }
    out.push(`${name}_bucket{${labels},le="+Inf"} ${this.count}`, `${name}_sum{${labels}} ${this.sum}`, `${name}_count{${labels}} ${this.count}`);
  }
}

/** One (qualifier, trigger) of a function. */
export interface RunSeries {
  labels: string;
  invocations: number;
  throttles: number;
  errors: Record<ErrorClass, number>;
}

/** One function of one account: its runs per qualifier and trigger, and its function-wide series. */
export class FunctionSeries {
  readonly labels: string;
  private readonly runs = new Map<string, Partial<Record<InvokeTrigger, RunSeries>>>();
  readonly duration = new SecondsHistogram(DURATION_BUCKETS);
  readonly init = new SecondsHistogram(INIT_BUCKETS);
  coldStarts = 0;
  initFailures = 0;

  constructor(accountId: string, functionName: string) {
    this.labels = `account="${escape(accountId)}",function="${escape(functionName)}"`;
  }

  run(qualifier: string, trigger: InvokeTrigger): RunSeries {
    let byTrigger = this.runs.get(qualifier);
    if (!byTrigger) {
      byTrigger = {};
      this.runs.set(qualifier, byTrigger);
    }
    return (byTrigger[trigger] ??= { labels: `${this.labels},qualifier="${escape(qualifier)}",trigger="${trigger}"`, invocations: 0, throttles: 0, errors: { function: 0, timeout: 0, runtime: 0 } });
  }

  allRuns(): RunSeries[] {
    const all: RunSeries[] = [];
    for (const byTrigger of this.runs.values()) for (const series of Object.values(byTrigger)) all.push(series);
    return all;
  }
}

function family(out: string[], name: string, type: 'counter' | 'histogram', help: string): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
}

/** The exposition of every function's series. */
export function writeRunSeries(functions: readonly FunctionSeries[]): string {
  const out: string[] = [];
  const runs = functions.map((fn) => fn.allRuns());
  family(out, 'gust_invocations_total', 'counter', 'Invocations that ran, function errors included, throttles not (Lambda: Invocations).');
  for (const list of runs) for (const r of list) out.push(`gust_invocations_total{${r.labels}} ${r.invocations}`);
  family(out, 'gust_errors_total', 'counter', 'Invocations that ended in a function error, by class: function, timeout, runtime (Lambda: Errors).');
  for (const list of runs) for (const r of list) for (const c of ERROR_CLASSES) if (r.errors[c] > 0) out.push(`gust_errors_total{${r.labels},error_class="${c}"} ${r.errors[c]}`);
  family(out, 'gust_throttles_total', 'counter', 'Invocations refused with TooManyRequestsException for concurrency (Lambda: Throttles).');
  for (const list of runs) for (const r of list) out.push(`gust_throttles_total{${r.labels}} ${r.throttles}`);
  family(out, 'gust_invocation_duration_seconds', 'histogram', "The function's run time, as REPORT's Duration (Lambda: Duration).");
  for (const fn of functions) fn.duration.lines('gust_invocation_duration_seconds', fn.labels, out);
  family(out, 'gust_init_duration_seconds', 'histogram', "Cold starts' init time, as REPORT's Init Duration.");
  for (const fn of functions) fn.init.lines('gust_init_duration_seconds', fn.labels, out);
  family(out, 'gust_cold_starts_total', 'counter', 'Invocations that started an execution environment (sandbox starts).');
  for (const fn of functions) out.push(`gust_cold_starts_total{${fn.labels}} ${fn.coldStarts}`);
  family(out, 'gust_sandbox_init_failures_total', 'counter', 'Cold starts whose init failed (an error, a crash or the init timeout).');
  for (const fn of functions) out.push(`gust_sandbox_init_failures_total{${fn.labels}} ${fn.initFailures}`);
  return `${out.join('\n')}\n`;
}
