/**
 * What `/response` and `/error` share: the result is begun before the body is read (so a
 * second result for the same request is refused at once), the body is held to the response
 * limit (RIE's 413, and the answer is Lambda's `Function.ResponseSizeTooLarge`: an error
 * document is what the caller gets, so it obeys the same limit), and the runtime gets 202
 * once the answer is recorded.
 */
import type { IncomingMessage } from 'node:http';
import type { FunctionAnswer } from '../core/model/invocation.js';
import { readBody, renderBodyFailure } from './request-body.js';
import type { RouteHandler } from './route-context.js';
import { RequestEntityTooLargeError, renderRuntimeApiError, sendAccepted } from './runtime-api-errors.js';
import { responseTooLarge } from './runtime-types.js';

/** A result route whose answer `answerOf` makes from the request and its whole body. */
export function resultRoute(
  target: 'InvocationResponse' | 'InvocationErrorResponse',
  answerOf: (req: IncomingMessage, body: Buffer) => FunctionAnswer,
): RouteHandler {
  return (ctx, req, res, params) => {
    ctx.session.beginResult(params.requestId!, target);
    readBody(req, ctx.session.maxResponseBytes).then(
      (body) => {
        try {
          if (body.kind === 'tooLarge') {
            ctx.session.finishResult(responseTooLarge(ctx.session.maxResponseBytes));
            throw new RequestEntityTooLargeError(ctx.session.maxResponseBytes);
          }
          ctx.session.finishResult(answerOf(req, body.body));
          sendAccepted(res);
        } catch (err) {
          renderRuntimeApiError(res, err);
        }
      },
      (err: unknown) => renderBodyFailure(res, err),
    );
  };
}
