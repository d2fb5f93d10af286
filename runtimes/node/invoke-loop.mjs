/**
 * The invocation loop (AWS's `Runtime.js`): wait for /next, run the handler, post its result,
 * again. A promise-returning handler answers when its promise settles; a callback-style one
 * when it calls back (see invoke-context.mjs); one that does neither answers `null` when the
 * event loop runs dry, or Runtime.NodeJsExit if it was an async function. An exception or
 * rejection nobody handled during an invocation is posted as its error and the process exits
 * (Lambda then reports Runtime.ExitError for the environment and starts a new one).
 */
import { logError, setCurrentRequestId } from './console-patch.mjs';
import { NodeJsExit } from './errors.mjs';
import { attachInvokeData, beforeExit, buildCallbackContext } from './invoke-context.mjs';

export class InvokeLoop {
  /**
   * `crashHandlers` holds what the process-level `uncaughtException` / `unhandledRejection`
   * listeners do; the loop points them at the current invocation.
   */
  constructor(client, handler, crashHandlers, env) {
    this.client = client;
    this.handler = handler;
    this.crashHandlers = crashHandlers;
    this.env = env;
    this.isAsync = handler.constructor?.name === 'AsyncFunction';
    this.scheduleNext = () => this.schedule();
    this.fatal = (err) => runtimeApiFailed(err);
  }

  /** Starts the next iteration on a fresh turn of the event loop. */
  schedule() {
    setImmediate(() => this.handleOnce().catch(this.fatal));
  }

  async handleOnce() {
    const { body, headers } = await this.client.next();
    const id = headers['lambda-runtime-aws-request-id'];
    setCurrentRequestId(id);
    const [callback, callbackContext, markCompleted] = buildCallbackContext(this.client, id, this.scheduleNext, this.fatal);
    try {
      this.pointCrashesAt(id);
      this.setDefaultExitAction(id, markCompleted);
      const context = attachInvokeData(callbackContext, headers, this.env);
      const result = this.handler(JSON.parse(body), context, callback);
      if (result && typeof result.then === 'function') result.then(context.succeed, context.fail).catch(context.fail);
    } catch (err) {
      callback(err);
    }
  }

  pointCrashesAt(id) {
    const crash = (code) => (error) => {
      this.client.postError(id, error, true).then(
        () => process.exit(code),
        () => process.exit(code),
      );
    };
    this.crashHandlers.uncaughtException = crash(129);
    this.crashHandlers.unhandledRejection = crash(128);
  }

  // The handler neither returned a promise nor called back, and nothing is left to run.
  setDefaultExitAction(id, markCompleted) {
    beforeExit.set(() => {
      markCompleted();
      if (this.isAsync) {
        const err = new NodeJsExit();
        logError('Invoke Error', err);
        this.client.postError(id, err).then(this.scheduleNext, this.fatal);
      } else {
        this.client.postResponse(id, 'null').then(this.scheduleNext, this.fatal);
      }
    });
  }
}

/** The Runtime API is gone (the environment is being torn down) or broke its contract. */
export function runtimeApiFailed(err) {
  process.stderr.write(`Gust runtime: the Runtime API failed: ${err && err.message ? err.message : err}\n`);
  process.exit(1);
}
