/**
 * The error payloads Lambda's platform itself returns for an invocation that the
 * function could not answer, in AWS's shape:
 * `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: <id> Error: Task timed out after 3.00 seconds"}`.
 */

export function platformError(errorType: string, requestId: string, message: string): Buffer {
  return Buffer.from(JSON.stringify({ errorType, errorMessage: `RequestId: ${requestId} Error: ${message}` }));
}

/** "Task timed out after 3.00 seconds". */
export function timeoutMessage(timeoutSeconds: number): string {
  return `Task timed out after ${timeoutSeconds.toFixed(2)} seconds`;
}

/** "Runtime exited with error: exit status 3" / "…: signal: killed". */
export function exitMessage(exitDescription: string): string {
  return `Runtime exited with error: ${exitDescription}`;
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
