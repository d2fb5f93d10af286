/**
 * What the Runtime API reports to the environment besides the function's answer (the
 * Invocation and the FunctionAnswer are core's): the runtime's init failure, and the limit
 * on a synchronous response.
 */
import type { FunctionAnswer } from '../core/model/invocation.js';

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

/**
 * The answer for a result over the limit (the runtime got RIE's 413): Lambda's
 * `Function.ResponseSizeTooLarge`, whose message, unlike the platform's other errors, is not
 * prefixed with the request id.
 */
export function responseTooLarge(maxBytes: number): FunctionAnswer {
  const errorMessage = `Response payload size exceeded maximum allowed payload size (${maxBytes} bytes).`;
  return { outcome: 'error', errorType: 'Function.ResponseSizeTooLarge', payload: Buffer.from(JSON.stringify({ errorType: 'Function.ResponseSizeTooLarge', errorMessage })) };
}
