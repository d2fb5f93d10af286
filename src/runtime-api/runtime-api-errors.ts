/**
 * The errors the Runtime API answers a runtime with, each knowing its HTTP status and the
 * `errorType` that aws-lambda-runtime-interface-emulator (RIE) sends for the same case, so
 * that a runtime client sees exactly what it would see on Lambda. Handlers throw them;
 * {@link renderRuntimeApiError} is the one place that turns them into a response.
 *
 * Reference: RIE `lambda/rapi/rendering/render_error.go` and `lambda/rapi/handler/constants.go`.
 */
import type { ServerResponse } from 'node:http';

/** Base of every error the Runtime API renders: `{"errorMessage": …, "errorType": …}`. */
export class RuntimeApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = errorType;
  }
}

/**
 * A call the runtime state machine does not allow in its current state (403). The message
 * is RIE's: `State transition from <current> to <target> failed for runtime. Error: State
 * transition is not allowed`.
 */
export class InvalidStateTransitionError extends RuntimeApiError {
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super(403, 'InvalidStateTransition', `State transition from ${from} to ${to} failed for runtime. Error: State transition is not allowed`);
  }
}

/** `/response` or `/error` for a request id that is not the current invocation's (400). */
export class InvalidRequestIdError extends RuntimeApiError {
  constructor() {
    super(400, 'InvalidRequestID', 'Invalid request ID');
  }
}

/** A response body over the limit (413); RIE's message names the limit in bytes. */
export class RequestEntityTooLargeError extends RuntimeApiError {
  constructor(limit: number) {
    super(413, 'RequestEntityTooLarge', `Exceeded maximum allowed payload size (${limit} bytes).`);
  }
}

/** An Extensions API call without a valid `Lambda-Extension-Identifier` (403), as RIE. */
export class ExtensionIdentifierError extends RuntimeApiError {
  constructor(missing: boolean) {
    super(
      403,
      missing ? 'Extension.MissingExtensionIdentifier' : 'Extension.InvalidExtensionIdentifier',
      missing ? 'Missing Lambda-Extension-Identifier header' : 'Invalid Lambda-Extension-Identifier',
    );
  }
}

/** The body of the 202 every accepted POST gets. */
export const ACCEPTED_BODY = '{"status":"OK"}';

/**
 * The status and JSON body that answer `err`: a catalog error as it is; anything else is a
 * Gust bug, answered as RIE's 500 InternalServerError without its details.
 */
export function errorResponse(err: unknown): { status: number; body: string } {
  if (err instanceof RuntimeApiError) return { status: err.status, body: JSON.stringify({ errorMessage: err.message, errorType: err.errorType }) };
  return { status: 500, body: JSON.stringify({ errorMessage: 'Internal Server Error', errorType: 'InternalServerError' }) };
}

/** Writes a JSON body with an exact Content-Length (keep-alive friendly). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendText(res, status, JSON.stringify(body), headers);
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** The 202 every accepted POST gets. */
export function sendAccepted(res: ServerResponse): void {
  sendText(res, 202, ACCEPTED_BODY);
}

/** Renders any error thrown by a handler (see {@link errorResponse}). */
export function renderRuntimeApiError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const answer = errorResponse(err);
  sendText(res, answer.status, answer.body);
}
