/**
 * `GET /2018-06-01/runtime/invocation/next`: the runtime asks for work. The request parks
 * until an invocation is there; the answer is the event bytes as given, with the
 * invocation's facts in `Lambda-Runtime-*` headers (optional ones only when present, as
 * RIE's `renderInvokeHeaders` does).
 * https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-next
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { RouteHandler } from './route-context.js';
import type { RuntimeInvocation } from './runtime-types.js';

export const handleInvocationNext: RouteHandler = (ctx, _req, res) => {
  ctx.session.next(res);
};

/** Answers a parked /next with `invocation`. */
export function writeInvocation(res: ServerResponse, invocation: RuntimeInvocation): void {
  const headers: OutgoingHttpHeaders = {
    'Content-Type': 'application/json',
    'Content-Length': invocation.payload.length,
    'Lambda-Runtime-Aws-Request-Id': invocation.requestId,
    'Lambda-Runtime-Deadline-Ms': String(invocation.deadlineMs),
    'Lambda-Runtime-Invoked-Function-Arn': invocation.invokedFunctionArn,
  };
  if (invocation.traceId) headers['Lambda-Runtime-Trace-Id'] = invocation.traceId;
  if (invocation.clientContext) headers['Lambda-Runtime-Client-Context'] = invocation.clientContext;
  if (invocation.cognitoIdentity) headers['Lambda-Runtime-Cognito-Identity'] = invocation.cognitoIdentity;
  res.writeHead(200, headers);
  res.end(invocation.payload);
}
