/**
 * `POST /2018-06-01/runtime/invocation/{id}/response`: the runtime's result. The body is
 * kept as bytes, never parsed. Over the limit, the runtime gets RIE's 413 and the answer is
 * `Function.ResponseSizeTooLarge`. A streamed response (`Lambda-Runtime-Function-Response-Mode: streaming`) that
 * fails midway reports the error in its trailers; that becomes an error outcome.
 * https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-response
 */
import type { IncomingMessage } from 'node:http';
import type { FunctionAnswer } from '../core/model/invocation.js';
import { normaliseErrorPayload } from './error-payload.js';
import { resultRoute } from './invocation-result.js';

export const handleInvocationResponse = resultRoute('InvocationResponse', (req, body) => streamedError(req) ?? { outcome: 'success', payload: body });

/** The error a streaming runtime reported in its trailers, if it did. */
function streamedError(req: IncomingMessage): FunctionAnswer | undefined {
  const type = req.trailers['lambda-runtime-function-error-type'];
  if (type === undefined) return undefined;
  const encoded = req.trailers['lambda-runtime-function-error-body'];
  const body = encoded === undefined ? Buffer.alloc(0) : Buffer.from(encoded, 'base64');
  const { payload, errorType } = normaliseErrorPayload(body, type);
  return { outcome: 'error', payload, errorType };
}
