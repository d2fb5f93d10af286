/**
 * The error shapes of AWS's Node.js runtime (aws-lambda-nodejs-runtime-interface-client,
 * `Errors.js`): the `Runtime.*` error classes, the document posted to the Runtime API
 * (`{errorType, errorMessage, trace}`: Node's runtime says `trace`, not `stackTrace`), and
 * the tab-prefixed JSON that follows "Invoke Error" in the function's log.
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html
 */
import { types } from 'node:util';

/** Anything thrown or passed to a callback, as an Error. */
export function intoError(err) {
  return err instanceof Error ? err : new Error(err);
}

function looksLikeError(obj) {
  return Boolean(obj && typeof obj.name === 'string' && typeof obj.message === 'string' && typeof obj.stack === 'string' && obj.name && obj.message && obj.stack);
}

/** The error document posted to `/invocation/{id}/error` and `/init/error`. */
export function toRuntimeResponse(error) {
  try {
    if (types.isNativeError(error) || looksLikeError(error)) {
      return { errorType: error.name, errorMessage: error.message, trace: String(error.stack).split('\n') };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage: 'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
      trace: [],
    };
  }
}

/** The error as the text log shows it: a tab, then JSON with its name, message, code and stack. */
export function toFormatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_k, v) => withEnumerableProperties(v));
  } catch {
    return '\t' + JSON.stringify(toRuntimeResponse(error));
  }
}

// name, message, code and stack are not enumerable: JSON.stringify would drop them.
function withEnumerableProperties(value) {
  if (!(value instanceof Error)) return value;
  const ret = Object.assign({ errorType: value.name, errorMessage: value.message, code: value.code }, value);
  if (typeof value.stack === 'string') ret.stack = value.stack.split('\n');
  return ret;
}

export class ImportModuleError extends Error {}
export class HandlerNotFound extends Error {}
export class MalformedHandlerName extends Error {}
export class UserCodeSyntaxError extends Error {}
export class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}
/** An async handler whose promise never settled while the event loop ran dry. */
export class NodeJsExit extends Error {
  constructor() {
    super(
      'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes',
    );
  }
}

// AWS names them on the prototype, so `err.name` (the errorType) is `Runtime.<Class>`.
for (const E of [ImportModuleError, HandlerNotFound, MalformedHandlerName, UserCodeSyntaxError, UnhandledPromiseRejection, NodeJsExit]) {
  E.prototype.name = `Runtime.${E.name}`;
}
