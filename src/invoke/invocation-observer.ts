/**
 * What InvokeService tells whoever watches the platform (metrics, traces) about each
 * synchronous run, once it ended: one call with the whole record, after the answer is
 * known, so that watching costs the invoke path one function call and no allocation
 * beyond the record.
 */
import type { InvocationOutcome } from '../core/model/invocation.js';
import type { InvokeTrigger } from './invoke-types.js';

export interface InvocationRun {
  accountId: string;
  functionName: string;
  /** The qualifier the caller named (an alias or a version), absent for the unqualified function. */
  qualifier?: string;
  /** The version that ran, or that would have (a throttled run's). */
  executedVersion: string;
  trigger: InvokeTrigger;
  requestId: string;
  /** The X-Ray trace header the function got (`Lambda-Runtime-Trace-Id`). */
  traceId: string;
  /** The trace header the caller sent (`InvokeRequest.traceHeader`), which `traceId` continues. */
  callerTraceHeader?: string;
  /** Epoch milliseconds when InvokeService took the request, and when the answer was known. */
  startedAt: number;
  endedAt: number;
  /** How the function ended (errors, timeouts and failed inits included); absent when it never ran. */
  outcome?: InvocationOutcome;
  /** Why it never ran: `throttled` (TooManyRequestsException), or the error's name. */
  refused?: string;
}

export interface InvocationObserver {
  /** Called once per synchronous run, after its answer is known; must not throw. */
  finished(run: InvocationRun): void;
  /** The function was deleted: what is kept of it (series, history) goes, so that churn does not grow memory. */
  forget?(accountId: string, functionName: string): void;
}

/** One observer that tells each of `list` in turn (metrics and traces both watch). */
export function observers(list: readonly InvocationObserver[]): InvocationObserver | undefined {
  if (list.length <= 1) return list[0];
  return {
    finished(run) {
      for (const o of list) o.finished(run);
    },
    forget(accountId, functionName) {
      for (const o of list) o.forget?.(accountId, functionName);
    },
  };
}

/**
 * Decides an invocation's trace before it runs, so that the function gets the trace and the
 * span its run is recorded as (traces are recorded after the fact, from the InvocationRun).
 */
export interface InvocationTracer {
  /** The X-Ray header for a run starting now: a new trace, or one continuing `callerHeader` (X-Ray or `traceparent`). */
  traceHeader(nowMs: number, callerHeader: string | undefined): string;
}
