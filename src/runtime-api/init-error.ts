/**
 * `POST /2018-06-01/runtime/init/error`: the runtime could not initialise (before its first
 * /next). Readiness fails with InitError carrying the error document; the runtime usually
 * exits next, and the environment is not used.
 * https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-initerror
 */
import { normaliseErrorPayload } from './error-payload.js';
import { headerValue, readBody, renderBodyFailure } from './request-body.js';
import type { RouteHandler } from './route-context.js';
import { RequestEntityTooLargeError, renderRuntimeApiError, sendAccepted } from './runtime-api-errors.js';

export const handleInitError: RouteHandler = (ctx, req, res) => {
  // Refuse before reading the body; the transition itself happens once the body is in.
  ctx.session.checkInitError();
  readBody(req, ctx.session.maxResponseBytes).then(
    (body) => {
      try {
        const headerType = headerValue(req, 'lambda-runtime-function-error-type');
        if (body.kind === 'tooLarge') {
          // The init still failed; only its document is lost.
          const { payload, errorType } = normaliseErrorPayload(Buffer.from(`The init error document (${body.size} bytes) was too large.`), headerType);
          ctx.session.initError(errorType, payload);
          throw new RequestEntityTooLargeError(ctx.session.maxResponseBytes);
        }
        const { payload, errorType } = normaliseErrorPayload(body.body, headerType);
        ctx.session.initError(errorType, payload);
        sendAccepted(res);
      } catch (err) {
        renderRuntimeApiError(res, err);
      }
    },
    (err: unknown) => renderBodyFailure(res, err),
  );
};
