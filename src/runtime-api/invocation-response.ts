/**
 * `POST /2018-06-01/runtime/invocation/{id}/response`: the runtime's result. The body is
 * kept as bytes, never parsed. Over the limit, the runtime gets RIE's 413 and the outcome is
 * `tooLarge`. A streamed response (`Lambda-Runtime-Function-Response-Mode: streaming`) that
 * fails midway reports the error in its trailers; that becomes an error outcome.
 * https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-response
 */
import type { IncomingMessage } from 'node:http';
import { normaliseErrorPayload } from './error-payload.js';
import { readBody, renderBodyFailure } from './request-body.js';
import type { RouteHandler } from './route-context.js';
import { RequestEntityTooLargeError, renderRuntimeApiError, sendAccepted } from './runtime-api-errors.js';
import type { RuntimeOutcome } from './runtime-types.js';

export const handleInvocationResponse: RouteHandler = (ctx, req, res, params) => {
  ctx.session.beginResult(params.requestId!, 'InvocationResponse');
  readBody(req, ctx.session.maxResponseBytes).then(
    (body) => {
      try {
        if (body.kind === 'tooLarge') {
          ctx.session.finishResult({ kind: 'tooLarge', size: body.size });
          throw new RequestEntityTooLargeError(ctx.session.maxResponseBytes);
        }
        ctx.session.finishResult(streamedError(req) ?? { kind: 'success', payload: body.body });
        sendAccepted(res);
      } catch (err) {
        renderRuntimeApiError(res, err);
      }
    },
    (err: unknown) => renderBodyFailure(res, err),
  );
};

/** The error a streaming runtime reported in its trailers, if it did. */
function streamedError(req: IncomingMessage): RuntimeOutcome | undefined {
  const type = req.trailers['lambda-runtime-function-error-type'];
  if (type === undefined) return undefined;
  const encoded = req.trailers['lambda-runtime-function-error-body'];
  const body = encoded === undefined ? Buffer.alloc(0) : Buffer.from(encoded, 'base64');
  const { payload, errorType } = normaliseErrorPayload(body, type);
  return { kind: 'error', payload, errorType };
}
