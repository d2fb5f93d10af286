/**
 * The wait of a runtime booted ahead of its function (Gust's ready sandboxes): the
 * interpreter and this bootstrap's own modules are loaded before any function is known, and
 * the function arrives here. `_GUST_ASSIGNMENT` names a unix socket of the sandbox's own
 * where Gust answers, under `/2018-06-01/runtime/gust`: a warm-up invocation at once
 * (`warm/invocation/next` and its `/response`), and `assignment` once the sandbox is given to
 * an environment: 200 with `{"env": {...}}`, the environment's complete variables. By then
 * the function's code is mounted at /var/task and its layers at /opt. Anything else (the
 * socket closed, another status) means Gust gave the sandbox up: the runtime exits.
 *
 * The warm-up runs one invocation of a no-op handler through the invocation loop and the
 * Runtime API client: V8 compiles a function when it first runs, and a fresh runtime's first
 * invocation cost ~4 ms more than its next ones (node:http's request and response code, the
 * loop, the context); that is now paid before the function arrives. Nothing of it stays:
 * the request id is cleared, and the variables it set are replaced with the assignment's.
 */
import { setCurrentRequestId } from './console-patch.mjs';
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
  client.agent.destroy();
}

/** Waits for the assignment, then takes its variables as the process's own and enters the task root. */
export async function takeAssignment(socketPath) {
  await warmUp(socketPath).catch(() => undefined);
  const client = new RuntimeClient(socketPath, BASE);
  const answer = await client.get(`${BASE}/assignment`).catch(() => undefined);
  client.agent.destroy();
  if (answer?.status !== 200) process.exit(0);
  const { env } = JSON.parse(answer.body);
  for (const key of Object.keys(process.env)) if (!Object.hasOwn(env, key)) delete process.env[key];
  Object.assign(process.env, env);
  // The working directory is the empty mount point the sandbox started in; the code was mounted over it since.
  process.chdir(env.LAMBDA_TASK_ROOT ?? '/var/task');
}
