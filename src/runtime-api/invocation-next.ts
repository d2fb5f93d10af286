/**
 * `GET /2018-06-01/runtime/invocation/next`: the runtime asks for work. The request parks
 * until an invocation is there; the answer is the event bytes as given, with the
 * invocation's facts in `Lambda-Runtime-*` headers (optional ones only when present, as
 * RIE's `renderInvokeHeaders` does).
 * https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-next
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Invocation } from '../core/model/invocation.js';
import type { RouteHandler } from './route-context.js';

export const handleInvocationNext: RouteHandler = (ctx, _req, res) => {
  ctx.session.next(res);
};

/** Answers a parked /next with `invocation`, due at `deadlineMs` (epoch milliseconds). */
export function writeInvocation(res: ServerResponse, invocation: Invocation, deadlineMs: number): void {
  const headers: OutgoingHttpHeaders = {
    'Content-Type': 'application/json',
    'Content-Length': invocation.payload.length,
    'Lambda-Runtime-Aws-Request-Id': invocation.requestId,
    'Lambda-Runtime-Deadline-Ms': String(deadlineMs),
    'Lambda-Runtime-Invoked-Function-Arn': invocation.invokedFunctionArn,
    'Lambda-Runtime-Trace-Id': invocation.traceId,
  };
  if (invocation.clientContext) headers['Lambda-Runtime-Client-Context'] = invocation.clientContext;
  res.writeHead(200, headers);
  res.end(invocation.payload);
}
