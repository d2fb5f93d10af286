/**
 * A synchronous invocation sent from one node of a cluster to another, and its answer, as
 * JSON: the payloads as base64, an error as the AWS error it is (type, status, message,
 * fields), so that the node the client called answers exactly what the running node would
 * have. `busy`: the running node had no idle environment of the version after all.
 */
import { LambdaError, type FaultType } from '../core/errors.js';
import type { InvokeRequest, InvokeResult } from './invoke-types.js';

export type RoutedRequest = InvokeRequest & { requestId: string; routed: { version: string; cold?: boolean } };

export type RoutedAnswer = { result: InvokeResult } | { error: LambdaError } | { busy: true };

interface WireError {
  type: string;
  status: number;
  message: string;
  fault: FaultType;
  fields: Record<string, unknown>;
}

export function encodeRequest(accountId: string, request: RoutedRequest): string {
  return JSON.stringify({ accountId, request: { ...request, payload: request.payload.toString('base64') } });
}

/** The account and request of a routed invocation's body; undefined when it is not one. */
export function decodeRequest(body: unknown): { accountId: string; request: RoutedRequest } | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const { accountId, request } = body as { accountId?: unknown; request?: Record<string, unknown> };
  if (typeof accountId !== 'string' || !request || typeof request !== 'object') return undefined;
  const { functionName, payload, requestId, routed } = request;
  if (typeof functionName !== 'string' || typeof payload !== 'string' || typeof requestId !== 'string') return undefined;
  if (!routed || typeof (routed as { version?: unknown }).version !== 'string') return undefined;
  const cold = (routed as { cold?: unknown }).cold;
  if (cold !== undefined && typeof cold !== 'boolean') return undefined;
  return { accountId, request: { ...(request as unknown as RoutedRequest), invocationType: 'RequestResponse', payload: Buffer.from(payload, 'base64') } };
}

export function encodeAnswer(answer: RoutedAnswer): string {
  if ('result' in answer) return JSON.stringify({ result: { ...answer.result, payload: answer.result.payload.toString('base64') } });
  if ('error' in answer) {
    const e = answer.error;
    const error: WireError = { type: e.awsType, status: e.status, message: e.message, fault: e.faultType, fields: e.fields };
    return JSON.stringify({ error });
  }
  return JSON.stringify({ busy: true });
}

/** The answer in a routed invocation's response body; throws on anything else. */
export function decodeAnswer(text: string): RoutedAnswer {
  const body = JSON.parse(text) as { result?: InvokeResult & { payload: string }; error?: WireError; busy?: boolean };
  if (body.result) return { result: { ...body.result, payload: Buffer.from(body.result.payload, 'base64') } };
  if (body.error) {
    const { type, status, message, fault, fields } = body.error;
    return { error: new LambdaError(type, status, message, fault, fields) };
  }
  if (body.busy === true) return { busy: true };
  throw new Error('not an answer to a routed invocation');
}
