/**
 * One synchronous invocation on its way from InvokeService through the pool to the runtime,
 * and its outcome on the way back. Each is one value: the layers pass the Invocation on as
 * it is, and each layer sets the outcome's fields it knows (the Runtime API the function's
 * answer, the environment its measurements, the version manager the log tail) instead of
 * copying it into a type of its own.
 */

/** One invocation, built once by InvokeService. */
export interface Invocation {
  /** The id the runtime answers with (`Lambda-Runtime-Aws-Request-Id`); also the API's request id. */
  readonly requestId: string;
  /** The event, handed to the runtime byte for byte. */
  readonly payload: Buffer;
  /** The ARN the caller used, with its qualifier (`Lambda-Runtime-Invoked-Function-Arn`). */
  readonly invokedFunctionArn: string;
  /** JSON text (`Lambda-Runtime-Client-Context`), decoded from Invoke's base64 header. */
  readonly clientContext?: string;
  /** X-Ray trace header (`Lambda-Runtime-Trace-Id`), which Lambda sets on every invocation. */
  readonly traceId: string;
  /** `LogType: Tail`: the outcome carries the last 4 KB of the invocation's log. */
  readonly wantTail: boolean;
}

/** What the function answered: its response, or an error document in AWS's shape (its own, or the platform's for it). */
export interface FunctionAnswer {
  outcome: 'success' | 'error';
  payload: Buffer;
  /** The error's type when `outcome` is `error`. */
  errorType?: string;
}

/**
 * How one invocation ended: the answer and what its REPORT line says. Every failure of the
 * function (its error, a timeout, a crash, a failed init) is an outcome, not an exception.
 */
export interface InvocationOutcome extends FunctionAnswer {
  /** The version that ran (`X-Amz-Executed-Version`). */
  executedVersion: string;
  /** Whether this invocation started its environment. */
  coldStart: boolean;
  durationMs: number;
  billedDurationMs: number;
  maxMemoryUsedMb: number;
  /** Set on the invocation that started its environment. */
  initDurationMs?: number;
  /** Set when that environment's init failed (an init error, a crash or the init timeout): the function never ran. */
  initFailed?: true;
  /** The last 4 KB of the invocation's log lines (START … REPORT), when `wantTail`. */
  logTail?: string;
}
