/**
 * Gust's Node.js runtime: runs a function's handler behind the Lambda Runtime API, with the
 * behaviour of AWS's managed nodejs runtimes (handler resolution, context, callbacks, log
 * format, error documents). Node standard library only; imports nothing from Gust's src/.
 *
 * Started as `node runtimes/node/bootstrap.mjs` with the Lambda environment: required
 * AWS_LAMBDA_RUNTIME_API (`host:port`), _HANDLER (`file.fn`, `dir/file.fn`, `file.obj.fn`);
 * LAMBDA_TASK_ROOT (default: the working directory); the context reads
 * AWS_LAMBDA_FUNCTION_NAME, _VERSION, _MEMORY_SIZE, AWS_LAMBDA_LOG_GROUP_NAME, _STREAM_NAME;
 * AWS_LAMBDA_LOG_FORMAT / AWS_LAMBDA_LOG_LEVEL shape the logs.
 *
 * Booted ahead of its function (`_GUST_ASSIGNMENT` set: Gust's ready sandboxes), it first waits
 * for the function's environment (assignment.mjs), then goes on as below.
 *
 * Init: the handler module is loaded before the first /next; a failure is logged as
 * "Uncaught Exception", posted to /runtime/init/error, and the process exits 129 (as AWS's
 * runtime, whose load failure goes through its uncaughtException path).
 */
import { takeAssignment } from './assignment.mjs';
import { logError, patchConsole } from './console-patch.mjs';
import { UnhandledPromiseRejection } from './errors.mjs';
import { loadHandler } from './handler-loader.mjs';
import { beforeExit } from './invoke-context.mjs';
import { InvokeLoop, runtimeApiFailed } from './invoke-loop.mjs';
import { RuntimeClient } from './runtime-client.mjs';

// A runtime booted ahead (a ready sandbox) learns its function here; the imports above are done already.
const early = process.env._GUST_ASSIGNMENT ? await takeAssignment(process.env._GUST_ASSIGNMENT, process.env._GUST_RUNTIME_API_SOCKET) : undefined;
const env = process.env;
patchConsole(env);
// In a namespace sandbox Gust also names the unix socket behind AWS_LAMBDA_RUNTIME_API: this
// client talks to it directly, without gust-init's relay between (a hop per request). The
// function's own code sees only AWS_LAMBDA_RUNTIME_API, as on Lambda.
const direct = env._GUST_RUNTIME_API_SOCKET;
delete env._GUST_RUNTIME_API_SOCKET;
const client = new RuntimeClient(direct ?? env.AWS_LAMBDA_RUNTIME_API, undefined, early);

// Until the first invocation a crash is an init error; the loop re-points these per invocation.
const initCrash = (code) => (error) =>
  client.postInitError(error).then(
    () => process.exit(code),
    () => process.exit(code),
  );
const crashHandlers = { uncaughtException: initCrash(129), unhandledRejection: initCrash(128) };
process.on('uncaughtException', (error) => {
  logError('Uncaught Exception', error);
  crashHandlers.uncaughtException(error);
});
process.on('unhandledRejection', (reason, promise) => {
  const error = new UnhandledPromiseRejection(reason, promise);
  logError('Unhandled Promise Rejection', error);
  crashHandlers.unhandledRejection(error);
});
process.on('beforeExit', beforeExit.invoke);

let handler;
try {
  handler = await loadHandler(env.LAMBDA_TASK_ROOT ?? process.cwd(), env._HANDLER ?? '');
} catch (err) {
  logError('Uncaught Exception', err);
  await client.postInitError(err).catch(runtimeApiFailed);
  process.exit(129);
}
new InvokeLoop(client, handler, crashHandlers, env).schedule();
