/**
 * What `/response` and `/error` share: the result is begun before the body is read (so a
 * second result for the same request is refused at once), the body is held to the response
 * limit (RIE's 413, outcome `tooLarge`: an error document is what the caller gets, so it
 * obeys the same limit), and the runtime gets 202 once the outcome is recorded.
 */
import type { IncomingMessage } from 'node:http';
import { readBody, renderBodyFailure } from './request-body.js';
import type { RouteHandler } from './route-context.js';
import { RequestEntityTooLargeError, renderRuntimeApiError, sendAccepted } from './runtime-api-errors.js';
import type { RuntimeOutcome } from './runtime-types.js';

/** A result route whose outcome `outcomeOf` makes from the request and its whole body. */
export function resultRoute(
  target: 'InvocationResponse' | 'InvocationErrorResponse',
  outcomeOf: (req: IncomingMessage, body: Buffer) => RuntimeOutcome,
): RouteHandler {
  return (ctx, req, res, params) => {
    ctx.session.beginResult(params.requestId!, target);
    readBody(req, ctx.session.maxResponseBytes).then(
      (body) => {
        try {
          if (body.kind === 'tooLarge') {
            ctx.session.finishResult({ kind: 'tooLarge', size: body.size });
            throw new RequestEntityTooLargeError(ctx.session.maxResponseBytes);
          }
          ctx.session.finishResult(outcomeOf(req, body.body));
          sendAccepted(res);
        } catch (err) {
          renderRuntimeApiError(res, err);
        }
      },
      (err: unknown) => renderBodyFailure(res, err),
    );
  };
}
