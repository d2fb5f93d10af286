/**
 * `GET /2018-06-01/runtime/invocation/next`: the runtime asks for work. The request parks
 * until an invocation is there; the answer is the event bytes as given, with the
 * invocation's facts in `Lambda-Runtime-*` headers (optional ones only when present, as
 * RIE's `renderInvokeHeaders` does).
 * https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-next
 */
import type { ServerResponse } from 'node:http';
import type { Invocation } from '../core/model/invocation.js';
import type { RouteHandler } from './route-context.js';
import type { ParkedNext } from './runtime-session.js';

export const handleInvocationNext: RouteHandler = (ctx, _req, res) => {
  ctx.session.next(parkedResponse(res));
};

/** A /next parked as a `node:http` response. */
function parkedResponse(res: ServerResponse): ParkedNext {
  return {
    send: (invocation, deadlineMs) => {
      res.writeHead(200, invocationHeaders(invocation, deadlineMs));
      res.end(invocation.payload);
    },
    destroy: () => res.destroy(),
    onAbandoned: (gone) => res.once('close', gone),
  };
}

/**
 * The headers of the answer to a /next, names and values in one flat list (as `writeHead`
 * takes them): the invocation's facts, optional ones only when present, as RIE's
 * `renderInvokeHeaders` does.
 */
export function invocationHeaders(invocation: Invocation, deadlineMs: number): string[] {
  const headers = [
    'Content-Type', 'application/json',
    'Content-Length', String(invocation.payload.length),
    'Lambda-Runtime-Aws-Request-Id', invocation.requestId,
    'Lambda-Runtime-Deadline-Ms', String(deadlineMs),
    'Lambda-Runtime-Invoked-Function-Arn', invocation.invokedFunctionArn,
    'Lambda-Runtime-Trace-Id', invocation.traceId,
  ];
  if (invocation.clientContext) headers.push('Lambda-Runtime-Client-Context', invocation.clientContext);
  return headers;
}
