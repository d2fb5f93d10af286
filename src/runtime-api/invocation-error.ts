/**
 * `POST /2018-06-01/runtime/invocation/{id}/error`: the function failed. The error type
 * comes from `Lambda-Runtime-Function-Error-Type`, else from the body (the official runtime
 * clients send only the body); a body that is not a JSON object is wrapped into one.
 * https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-invokeerror
 */
import { normaliseErrorPayload } from './error-payload.js';
import { headerValue, readBody, renderBodyFailure } from './request-body.js';
import type { RouteHandler } from './route-context.js';
import { RequestEntityTooLargeError, renderRuntimeApiError, sendAccepted } from './runtime-api-errors.js';

export const handleInvocationError: RouteHandler = (ctx, req, res, params) => {
  ctx.session.beginResult(params.requestId!, 'InvocationErrorResponse');
  readBody(req, ctx.session.maxResponseBytes).then(
    (body) => {
      try {
        if (body.kind === 'tooLarge') {
          // An error document is held to the response limit too: it is what the caller gets.
          ctx.session.finishResult({ kind: 'tooLarge', size: body.size });
          throw new RequestEntityTooLargeError(ctx.session.maxResponseBytes);
        }
        const { payload, errorType } = normaliseErrorPayload(body.body, headerValue(req, 'lambda-runtime-function-error-type'));
        ctx.session.finishResult({ kind: 'error', payload, errorType });
        sendAccepted(res);
      } catch (err) {
        renderRuntimeApiError(res, err);
      }
    },
    (err: unknown) => renderBodyFailure(res, err),
  );
};
