/**
 * What every trigger hands the InvokeService, and what it gets back. Function URLs,
 * schedules, event buses and the Invoke API all speak these shapes.
 */

export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';

/** What sent an invocation: the Invoke API, a function URL, the async queue, an SQS mapping's poller. */
export type InvokeTrigger = 'api' | 'url' | 'async' | 'sqs';

export interface InvokeRequest {
  /** A name, a full or partial ARN, each optionally with a `:qualifier` suffix. */
  functionName: string;
  /** `$LATEST`, a version number or an alias name. */
  qualifier?: string;
  payload: Buffer;
  invocationType: InvocationType;
  /** `Tail` returns the last 4 KB of the invocation's log in `logResult`. */
  logType?: 'None' | 'Tail';
  /** The `X-Amz-Client-Context` header as sent: base64 of a JSON object. */
  clientContext?: string;
  /** Set when the request id is fixed by the caller (async redelivery keeps its id). */
  requestId?: string;
  /** What sent it, for metrics and traces; absent: the Invoke API. */
  trigger?: InvokeTrigger;
  /**
   * The caller's trace, which the invocation continues: an X-Ray header (`X-Amzn-Trace-Id`,
   * SQS's `AWSTraceHeader`) or a W3C `traceparent`.
   */
  traceHeader?: string;
  /**
   * Set on an invocation another node of the cluster sent here: the version it chose (an
   * alias's weights are drawn once, there), to run on an environment idle here, or not at
   * all; with `cold`, on a new one when none is idle (that node chose this one for its room).
   */
  routed?: { version: string; cold?: boolean };
}

export interface InvokeResult {
  /** 200 for RequestResponse, 202 for Event, 204 for DryRun. */
  statusCode: 200 | 202 | 204;
  /** The function's response or error object; empty for Event and DryRun. */
  payload: Buffer;
  /** Set when the function failed: AWS's `X-Amz-Function-Error`. */
  functionError?: 'Unhandled';
  /** The error type when the function failed (`Sandbox.Timedout`, a thrown error's name, …). */
  errorType?: string;
  /** Base64 of the log tail, when `logType` was `Tail`. */
  logResult?: string;
  /** The version that ran: AWS's `X-Amz-Executed-Version`. */
  executedVersion: string;
  requestId: string;
}
