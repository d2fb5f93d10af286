/**
 * The `context` a handler receives and its legacy completion methods, as AWS's Node.js
 * runtime builds them (`InvokeContext.js`, `CallbackContext.js`):
 * - facts from the environment (functionName, functionVersion, memoryLimitInMB as a string,
 *   logGroupName, logStreamName) and from the /next headers (awsRequestId,
 *   invokedFunctionArn, clientContext and identity parsed from JSON, getRemainingTimeInMillis);
 * - `callback(err, result)`, `done`, `succeed`, `fail`; only the first call of any of them counts.
 * - `callbackWaitsForEmptyEventLoop` (default true): a successful `callback` posts its result
 *   only once the event loop has nothing left to do (Node's `beforeExit`), so timers and
 *   sockets the handler started finish first. Set it to false to answer at once. `done`,
 *   `succeed`, `fail`, errors and async handlers answer at once, as on Lambda.
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html
 */
import { logError } from './console-patch.mjs';

/** The one `beforeExit` action; the process listener calls whatever is set here. */
export const beforeExit = {
  action: () => {},
  set(fn) {
    this.action = fn;
  },
  reset() {
    this.action = () => {};
  },
  invoke() {
    beforeExit.action();
  },
};

/**
 * Builds `[callback, callbackContext, markCompleted]` for one invocation. `scheduleNext` is
 * called once the result is posted.
 */
export function buildCallbackContext(client, id, scheduleNext, fatal) {
  let completed = false;
  let waitForEmptyEventLoop = true;

  const postError = (err) => {
    logError('Invoke Error', err);
    client.postError(id, err).then(scheduleNext, fatal);
  };
  const complete = (result) => {
    if (completed) {
      console.error('Invocation has already been reported as done. Cannot call complete more than once per invocation.');
      return;
    }
    completed = true;
    let text;
    try {
      text = JSON.stringify(result === undefined ? null : result);
    } catch {
      postError(new Error('Unable to stringify response body'));
      return;
    }
    client.postResponse(id, text).then(scheduleNext, fatal);
  };

  const callback = (err, result) => {
    beforeExit.reset();
    if (err !== undefined && err !== null) postError(err);
    else if (!waitForEmptyEventLoop) complete(result);
    else beforeExit.set(() => setImmediate(() => complete(result)));
  };
  const done = (err, result) => {
    beforeExit.reset();
    if (err !== undefined && err !== null) postError(err);
    else complete(result);
  };

  let finished = false;
  const once =
    (fn) =>
    (...args) => {
      if (finished) return;
      finished = true;
      fn(...args);
    };
  const context = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
    succeed: once((result) => done(null, result)),
    fail: once((err) => done(err === undefined || err === null ? 'handled' : err, null)),
    done: once(done),
  };
  return [once(callback), context, () => (completed = true)];
}

const XRAY_ROOT = /(?:^|;)\s*Root=1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})\s*(?:;|$)/;
const XRAY_PARENT = /(?:^|;)\s*Parent=([0-9a-fA-F]{16})\s*(?:;|$)/;

/**
 * The W3C `traceparent` of an X-Ray header, for OpenTelemetry SDKs, which read it from the
 * TRACEPARENT variable (the spec's environment carrier): the trace id is X-Ray's root
 * without `1-` and its dash, the span id its Parent, the flags its Sampled.
 */
export function traceparentOf(xray) {
  const root = XRAY_ROOT.exec(xray);
  const parent = XRAY_PARENT.exec(xray);
  if (!root || !parent) return undefined;
  return `00-${(root[1] + root[2]).toLowerCase()}-${parent[1].toLowerCase()}-${/(?:^|;)\s*Sampled=1\s*(?:;|$)/.test(xray) ? '01' : '00'}`;
}

/** Adds the invocation's facts to the callback context: the `context` argument of the handler. */
export function attachInvokeData(callbackContext, headers, env) {
  const trace = headers['lambda-runtime-trace-id'];
  if (trace) env._X_AMZN_TRACE_ID = trace;
  else delete env._X_AMZN_TRACE_ID;
  const traceparent = trace && traceparentOf(trace);
  if (traceparent) env.TRACEPARENT = traceparent;
  else delete env.TRACEPARENT;
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  return Object.assign(callbackContext, {
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: parseJson(headers['lambda-runtime-client-context'], 'ClientContext'),
    identity: parseJson(headers['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    getRemainingTimeInMillis: () => deadline - Date.now(),
  });
}

function parseJson(text, name) {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err}`);
  }
}
