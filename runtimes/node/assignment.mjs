/**
 * The wait of a runtime booted ahead of its function (Gust's ready sandboxes): the
 * interpreter and this bootstrap's own modules are loaded before any function is known, and
 * the function arrives here. `_GUST_ASSIGNMENT` names a unix socket of the sandbox's own
 * where Gust answers, under `/2018-06-01/runtime/gust`: a warm-up invocation at once
 * (`warm/invocation/next` and its `/response`), and `assignment` once the sandbox is given to
 * an environment: 200 with `{"env": {...}}`, the environment's complete variables. By then
 * the function's code is at the task root and its layers where its variables say. Anything else (the
 * socket closed, another status) means Gust gave the sandbox up: the runtime exits.
 *
 * The warm-up runs one invocation of a no-op handler through the invocation loop and the
 * Runtime API client: V8 compiles a function when it first runs, and a fresh runtime's first
 * invocation cost ~4 ms more than its next ones (the Runtime API client's code, the
 * loop, the context); that is now paid before the function arrives. Nothing of it stays:
 * the request id is cleared, and the variables it set are replaced with the assignment's.
 */
import Module, { createRequire } from 'node:module';
import { connect } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setCurrentRequestId } from './console-patch.mjs';
import { loadHandler } from './handler-loader.mjs';
import { InvokeLoop } from './invoke-loop.mjs';
import { RuntimeClient } from './runtime-client.mjs';

const BASE = '/2018-06-01/runtime/gust';

/** One invocation of a no-op handler against the warm-up API; resolves once its response is posted. */
async function warmUp(socketPath) {
  const client = new RuntimeClient(socketPath, `${BASE}/warm`);
  const loop = new InvokeLoop(client, async () => null, {}, {});
  await new Promise((resolve, reject) => {
    loop.scheduleNext = resolve;
    loop.fatal = reject;
    loop.handleOnce().catch(reject);
  });
  setCurrentRequestId(undefined);
  client.close();
  // The handler loader's first run (module resolution, require, its file checks) took ~2 ms
  // of a cold start; a handler of this runtime's own is loaded through it, then forgotten.
  const own = path.dirname(fileURLToPath(import.meta.url));
  await loadHandler(own, 'warm-up-handler.handler');
  delete createRequire(import.meta.url).cache[path.join(own, 'warm-up-handler.cjs')];
}

/**
 * Waits for the assignment, then takes its variables as the process's own and enters the
 * task root. Meanwhile it connects to the Runtime API socket `runtimeApiSocket`, which Gust
 * holds unread until the assignment: the connection it resolves with carries the first
 * /next without a connect and an accept on the cold start's path.
 */
export async function takeAssignment(socketPath, runtimeApiSocket) {
  await warmUp(socketPath).catch(() => undefined);
  const early = runtimeApiSocket ? connect(runtimeApiSocket).on('error', () => undefined) : undefined;
  const client = new RuntimeClient(socketPath, BASE);
  const answer = await client.get(`${BASE}/assignment`).catch(() => undefined);
  client.close();
  if (answer?.status !== 200) process.exit(0);
  const { env } = JSON.parse(answer.body);
  for (const key of Object.keys(process.env)) if (!Object.hasOwn(env, key)) delete process.env[key];
  Object.assign(process.env, env);
  // Node read NODE_PATH as it started; the function's may name other directories (the
  // process driver's code and layers are where they are on the host).
  Module._initPaths();
  // The working directory is where the runtime booted; the code is at the task root since.
  process.chdir(env.LAMBDA_TASK_ROOT ?? '/var/task');
  return early;
}
