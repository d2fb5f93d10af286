/**
 * What Lambda's platform writes and answers around each invocation of one environment, in
 * AWS's shapes: START, END and REPORT (with Init Duration on the environment's first
 * invocation), and, for the failures the function cannot report itself (a timeout, a runtime
 * exit, a failed init), the platform's error lines and its error payload:
 * `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: <id> Error: Task timed out after 3.00 seconds"}`.
 * Each invocation's outcome is the function's answer with what the report measured set on it.
 */
import type { Clock } from '../core/clock.js';
import type { FunctionVersion } from '../core/model/functions.js';
import type { FunctionAnswer, InvocationOutcome } from '../core/model/invocation.js';
import { billedDurationMs, endLine, initReportLine, reportLine, startLine, type ReportStatus } from '../logs/log-format.js';
import type { LogStream } from '../logs/log-stream.js';
import { describeExit, type SandboxExit } from '../sandbox/sandbox-driver.js';

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

/** How a start ended: ready after `initDurationMs`, or the failure to report. */
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

/** The platform's answer for a failure the function did not report itself. */
function platformError(errorType: string, requestId: string, message: string): FunctionAnswer {
  return { outcome: 'error', errorType, payload: Buffer.from(JSON.stringify({ errorType, errorMessage: `RequestId: ${requestId} Error: ${message}` })) };
}

/** The platform's lines and answers for one environment's invocations; see the module comment. */
export class InvocationReporter {
  /** Init Duration for the next REPORT: the environment's first invocation carries it. */
  private initDurationMs: number | undefined;
  private first = true;

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
  answered(requestId: string, answer: FunctionAnswer, measured: Measured): InvocationOutcome {
    return this.finish(requestId, answer, measured, undefined);
  }

  /** The function's timeout passed (the runtime has been killed). */
  timedOut(requestId: string, measured: Measured): InvocationOutcome {
    const message = timeoutMessage(this.version.timeout);
    this.log.write(`${new Date(this.clock.now()).toISOString()} ${requestId} ${message}`);
    return this.finish(requestId, platformError('Sandbox.Timedout', requestId, message), measured, { status: 'timeout' });
  }

  /** The runtime exited in the middle of the invocation (a crash, an OOM kill, a stop). */
  exited(requestId: string, exit: SandboxExit, measured: Measured): InvocationOutcome {
    const errorType = exit.reason === 'oom' ? 'Runtime.OutOfMemory' : 'Runtime.ExitError';
    const message = exitMessage(describeExit(exit));
    this.errorLines(requestId, message, errorType);
    return this.finish(requestId, platformError(errorType, requestId, message), measured, { status: 'error', errorType });
  }

  /**
   * The invocation that started the environment, whose init failed: INIT_REPORT, START,
   * the platform's error lines, END, REPORT. The answer is the runtime's own error document
   * when it sent one to /runtime/init/error.
   */
  initFailed(requestId: string, failure: InitFailure): InvocationOutcome {
    const status: ReportStatus = failure.status === 'timeout' ? { status: 'timeout' } : { status: 'error', errorType: failure.errorType };
    this.log.write(initReportLine(failure.initDurationMs, status));
    this.start(requestId);
    const message = failure.message ?? failure.errorType;
    if (!failure.payload) this.errorLines(requestId, message, failure.errorType);
    const answer: FunctionAnswer = failure.payload
      ? { outcome: 'error', errorType: failure.errorType, payload: failure.payload }
      : platformError(failure.errorType, requestId, message);
    this.initDurationMs = failure.initDurationMs;
    return Object.assign(this.finish(requestId, answer, { durationMs: 0, maxMemoryUsedMb: 0 }, status), { initFailed: true as const });
  }

  private errorLines(requestId: string, message: string, errorType: string): void {
    this.log.write(`RequestId: ${requestId} Error: ${message}`);
    this.log.write(errorType);
  }

  /** Writes END and REPORT, and sets what they say on the answer, which becomes the outcome. */
  private finish(requestId: string, answer: FunctionAnswer, measured: Measured, status: ReportStatus | undefined): InvocationOutcome {
    const initDurationMs = this.initDurationMs;
    const coldStart = this.first;
    this.initDurationMs = undefined;
    this.first = false;
    const billed = billedDurationMs(measured.durationMs, initDurationMs);
    this.log.write(endLine(requestId));
    this.log.write(
      reportLine({
        requestId,
        durationMs: measured.durationMs,
        billedDurationMs: billed,
        memorySizeMb: this.version.memorySize,
        maxMemoryUsedMb: measured.maxMemoryUsedMb,
        initDurationMs,
        outcome: status,
      }),
    );
    return Object.assign(answer, measured, { executedVersion: this.version.version, coldStart, billedDurationMs: billed }, initDurationMs === undefined ? {} : { initDurationMs });
  }
}
