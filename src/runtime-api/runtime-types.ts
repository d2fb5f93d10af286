/**
 * What passes between an execution environment (the pool) and its Runtime API endpoint:
 * the invocation handed to the runtime, the outcome it reports, and the init failure.
 */

/** One invocation as the runtime receives it from GET /next. */
export interface RuntimeInvocation {
  /** Sent as `Lambda-Runtime-Aws-Request-Id`; the id the runtime answers with. */
  requestId: string;
  /** The event, written to the runtime byte for byte. */
  payload: Buffer;
  /** Epoch milliseconds, sent as `Lambda-Runtime-Deadline-Ms`. */
  deadlineMs: number;
  /** Sent as `Lambda-Runtime-Invoked-Function-Arn`. */
  invokedFunctionArn: string;
  /** Sent as `Lambda-Runtime-Trace-Id` when present. */
  traceId?: string;
  /** JSON text, sent verbatim as `Lambda-Runtime-Client-Context` (Invoke's header is base64; decode it before). */
  clientContext?: string;
  /** JSON text, sent verbatim as `Lambda-Runtime-Cognito-Identity`. */
  cognitoIdentity?: string;
}

/** How an invocation ended, as the runtime reported it. */
export type RuntimeOutcome =
  | { kind: 'success'; payload: Buffer }
  | {
      kind: 'error';
      /**
       * The error document the runtime posted when it is a JSON object; anything else is
       * wrapped as `{"errorType": …, "errorMessage": <the body as text>}`.
       */
      payload: Buffer;
      /** `Lambda-Runtime-Function-Error-Type`, else the body's `errorType`, else `Unhandled`. */
      errorType: string;
    }
  /** The runtime's result was over the endpoint's `maxResponseBytes`; it got a 413. */
  | { kind: 'tooLarge'; size: number };

/**
 * The runtime reported that its initialisation failed (POST /runtime/init/error). Carries
 * the error document as the runtime sent it (normalised like an invocation error).
 */
export class InitError extends Error {
  constructor(
    readonly errorType: string,
    readonly payload: Buffer,
  ) {
    super(initErrorMessage(errorType, payload));
    this.name = 'InitError';
  }
}

function initErrorMessage(errorType: string, payload: Buffer): string {
  try {
    const doc = JSON.parse(payload.toString('utf8')) as { errorMessage?: unknown };
    if (typeof doc.errorMessage === 'string' && doc.errorMessage !== '') return `${errorType}: ${doc.errorMessage}`;
  } catch {
    // The payload was normalised to JSON already; a parse failure only loses the detail.
  }
  return errorType;
}

/** Lambda's limit on a synchronous response: 6 MiB plus 100 bytes, as RIE's `interop.MaxPayloadSize`. */
export const DEFAULT_MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100;
