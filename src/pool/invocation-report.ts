/**
 * What Lambda's platform writes and answers around each invocation of one environment, in
 * AWS's shapes: START, END and REPORT (with Init Duration on the environment's first
 * invocation), and, for the failures the function cannot report itself (a timeout, a runtime
 * exit, a failed init), the platform's error lines and its error payload:
 * `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: <id> Error: Task timed out after 3.00 seconds"}`.
 */
import type { Clock } from '../core/clock.js';
import type { FunctionVersion } from '../core/model.js';
import { billedDurationMs, endLine, initReportLine, reportLine, startLine, type ReportStatus } from '../logs/log-format.js';
import type { LogStream } from '../logs/log-stream.js';
import { describeExit, type SandboxExit } from '../sandbox/sandbox-driver.js';

/** How one invocation ended, with what its REPORT line says. */
export interface InvocationResult {
  outcome: 'success' | 'error';
  payload: Buffer;
  /** The error's type when `outcome` is `error` (from the runtime or the platform). */
  errorType?: string;
  durationMs: number;
  billedDurationMs: number;
  maxMemoryUsedMb: number;
  /** Set on the invocation that started this environment. */
  initDurationMs?: number;
}

/** Why an environment could not start, kept to be reported at the invocation that started it. */
export interface InitFailure {
  ok: false;
  errorType: string;
  /** `timeout` when the init limit passed, `error` otherwise. */
  status: 'error' | 'timeout';
  /** The runtime's own error document (from /runtime/init/error), if it sent one. */
  payload?: Buffer;
  /** The platform's message, when the platform (not the runtime) saw the failure. */
  message?: string;
  initDurationMs: number;
}

export type InitResult = { ok: true; initDurationMs: number } | InitFailure;

/** What the environment measured of one invocation. */
export interface Measured {
  durationMs: number;
  maxMemoryUsedMb: number;
}

/** "Task timed out after 3.00 seconds". */
export function timeoutMessage(timeoutSeconds: number): string {
  return `Task timed out after ${timeoutSeconds.toFixed(2)} seconds`;
}

/** "Runtime exited with error: exit status 3" / "…: signal: killed". */
export function exitMessage(exitDescription: string): string {
  return `Runtime exited with error: ${exitDescription}`;
}

/** The platform's error payload for a failure the function did not report itself. */
function platformError(errorType: string, requestId: string, message: string): Buffer {
  return Buffer.from(JSON.stringify({ errorType, errorMessage: `RequestId: ${requestId} Error: ${message}` }));
}

/** Lambda's payload for a response over the synchronous limit (not prefixed with the request id). */
export function responseTooLargePayload(maxBytes: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: `Response payload size exceeded maximum allowed payload size (${maxBytes} bytes).`,
    }),
  );
}

/** The platform's lines and answers for one environment's invocations; see the module comment. */
export class InvocationReporter {
  /** Init Duration for the next REPORT: the environment's first invocation carries it. */
  private initDurationMs: number | undefined;

  constructor(
    private readonly log: LogStream,
    private readonly clock: Clock,
    private readonly version: Pick<FunctionVersion, 'version' | 'memorySize' | 'timeout'>,
  ) {}

  /** The environment became ready after `initDurationMs`; its first REPORT says so. */
  ready(initDurationMs: number): void {
    this.initDurationMs = initDurationMs;
  }

  start(requestId: string): void {
    this.log.write(startLine(requestId, this.version.version));
  }

  /** The runtime answered: its response or its own error document. */
  answered(requestId: string, answer: Pick<InvocationResult, 'outcome' | 'payload' | 'errorType'>, measured: Measured): InvocationResult {
    return this.finish(requestId, { ...answer, ...measured }, undefined);
  }

  /** The function's timeout passed (the runtime has been killed). */
  timedOut(requestId: string, measured: Measured): InvocationResult {
    const message = timeoutMessage(this.version.timeout);
    this.log.write(`${new Date(this.clock.now()).toISOString()} ${requestId} ${message}`);
    const payload = platformError('Sandbox.Timedout', requestId, message);
    return this.finish(requestId, { outcome: 'error', payload, errorType: 'Sandbox.Timedout', ...measured }, { status: 'timeout' });
  }

  /** The runtime exited in the middle of the invocation (a crash, an OOM kill, a stop). */
  exited(requestId: string, exit: SandboxExit, measured: Measured): InvocationResult {
    const errorType = exit.reason === 'oom' ? 'Runtime.OutOfMemory' : 'Runtime.ExitError';
    const message = exitMessage(describeExit(exit));
    this.errorLines(requestId, message, errorType);
    const payload = platformError(errorType, requestId, message);
    return this.finish(requestId, { outcome: 'error', payload, errorType, ...measured }, { status: 'error', errorType });
  }

  /**
   * The invocation that started the environment, whose init failed: INIT_REPORT, START,
   * the platform's error lines, END, REPORT. The answer is the runtime's own error document
   * when it sent one to /runtime/init/error.
   */
  initFailed(requestId: string, failure: InitFailure): InvocationResult {
    const status: ReportStatus = failure.status === 'timeout' ? { status: 'timeout' } : { status: 'error', errorType: failure.errorType };
    this.log.write(initReportLine(failure.initDurationMs, status));
    this.start(requestId);
    const message = failure.message ?? failure.errorType;
    if (!failure.payload) this.errorLines(requestId, message, failure.errorType);
    const payload = failure.payload ?? platformError(failure.errorType, requestId, message);
    this.initDurationMs = failure.initDurationMs;
    return this.finish(requestId, { outcome: 'error', payload, errorType: failure.errorType, durationMs: 0, maxMemoryUsedMb: 0 }, status);
  }

  private errorLines(requestId: string, message: string, errorType: string): void {
    this.log.write(`RequestId: ${requestId} Error: ${message}`);
    this.log.write(errorType);
  }

  /** Writes END and REPORT and completes the result. */
  private finish(requestId: string, r: Omit<InvocationResult, 'billedDurationMs' | 'initDurationMs'>, status: ReportStatus | undefined): InvocationResult {
    const initDurationMs = this.initDurationMs;
    this.initDurationMs = undefined;
    const billed = billedDurationMs(r.durationMs, initDurationMs);
    this.log.write(endLine(requestId));
    this.log.write(
      reportLine({
        requestId,
        durationMs: r.durationMs,
        billedDurationMs: billed,
        memorySizeMb: this.version.memorySize,
        maxMemoryUsedMb: r.maxMemoryUsedMb,
        initDurationMs,
        outcome: status,
      }),
    );
    return { ...r, billedDurationMs: billed, initDurationMs };
  }
}
