/**
 * The invocation record AWS sends to a destination, in its shape
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html):
 *
 *   { "version": "1.0", "timestamp": "2019-11-14T18:16:05.568Z",
 *     "requestContext": { "requestId", "functionArn", "condition", "approximateInvokeCount" },
 *     "requestPayload": <the event>,
 *     "responseContext": { "statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled" },
 *     "responsePayload": <the function's response or error object> }
 *
 * When the function never ran (the event aged out while throttled, or reserved concurrency
 * is 0) there is no response: Gust leaves `responseContext` and `responsePayload` out and
 * reports `approximateInvokeCount: 0`.
 */
import { LIMITS } from '../../core/limits.js';

export type RecordCondition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';

export interface InvocationRecord {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: RecordCondition;
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  responseContext?: {
    statusCode: number;
    executedVersion: string;
    functionError?: string;
  };
  responsePayload?: unknown;
}

/** The last invocation's answer, as the record needs it. */
export interface LastResponse {
  statusCode: number;
  executedVersion: string;
  functionError?: string;
  payload: Buffer;
}

export interface RecordInput {
  requestId: string;
  /** The ARN the event was invoked with, qualified (`…:$LATEST` when it had no qualifier). */
  functionArn: string;
  condition: RecordCondition;
  approximateInvokeCount: number;
  /** The event's bytes: JSON, as the Invoke API checked. */
  payload: Buffer;
  response?: LastResponse;
  now: number;
}

/** JSON bytes as a value; text that is not JSON stays text, and nothing is null. */
function parsePayload(bytes: Buffer): unknown {
  if (bytes.length === 0) return null;
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function invocationRecord(input: RecordInput): InvocationRecord {
  return {
    version: '1.0',
    timestamp: new Date(input.now).toISOString(),
    requestContext: {
      requestId: input.requestId,
      functionArn: input.functionArn,
      condition: input.condition,
      approximateInvokeCount: input.approximateInvokeCount,
    },
    requestPayload: parsePayload(input.payload),
    ...(input.response === undefined
      ? {}
      : {
          responseContext: {
            statusCode: input.response.statusCode,
            executedVersion: input.response.executedVersion,
            ...(input.response.functionError === undefined ? {} : { functionError: input.response.functionError }),
          },
          responsePayload: parsePayload(input.response.payload),
        }),
  };
}

/**
 * The record as the bytes of an asynchronous event. A record over the async payload limit
 * would be refused by its destination, so the payloads are dropped from it (the response
 * first, then the request), keeping the context that says what happened.
 */
export function recordBytes(record: InvocationRecord, limit: number = LIMITS.asyncPayloadBytes): Buffer {
  let bytes = Buffer.from(JSON.stringify(record));
  if (bytes.length <= limit) return bytes;
  const { responsePayload: _r, ...withoutResponse } = record;
  bytes = Buffer.from(JSON.stringify(withoutResponse));
  if (bytes.length <= limit) return bytes;
  const { requestPayload: _q, ...context } = withoutResponse;
  return Buffer.from(JSON.stringify(context));
}
