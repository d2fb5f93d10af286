/**
 * `POST /2018-06-01/runtime/invocation/{id}/error`: the function failed. The error type
 * comes from `Lambda-Runtime-Function-Error-Type`, else from the body (the official runtime
 * clients send only the body); a body that is not a JSON object is wrapped into one.
 * https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-invokeerror
 */
import { normaliseErrorPayload } from './error-payload.js';
import { resultRoute } from './invocation-result.js';
import { headerValue } from './request-body.js';

export const handleInvocationError = resultRoute('InvocationErrorResponse', (req, body) => {
  const { payload, errorType } = normaliseErrorPayload(body, headerValue(req, 'lambda-runtime-function-error-type'));
  return { outcome: 'error', payload, errorType };
});
