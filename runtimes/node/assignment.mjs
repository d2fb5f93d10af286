/**
 * The wait of a runtime booted ahead of its function (Gust's ready sandboxes): the
 * interpreter and this bootstrap's own modules are loaded before any function is known, and
 * the function arrives here. `_GUST_ASSIGNMENT` names a unix socket of the sandbox's own
 * where Gust answers two requests: `GET /2018-06-01/runtime/gust/warm` at once (204), and
 * `GET /2018-06-01/runtime/gust/assignment` once the sandbox is given to an environment: 200
 * with `{"env": {...}}`, the environment's complete variables. By then the function's code is
 * mounted at /var/task and its layers at /opt. Anything else (the socket closed, another
 * status) means Gust gave the sandbox up: the runtime exits.
 *
 * Both are made with the Runtime API client (its keep-alive agent, request and response
 * code): V8 compiles a function when it first runs, and the first exchange over node:http
 * cost ~2 ms more than the next ones; the warm-up request pays that before the function
 * arrives instead of at its first /next.
 */
import { RuntimeClient } from './runtime-client.mjs';

const BASE = '/2018-06-01/runtime/gust';

/** Waits for the assignment, then takes its variables as the process's own and enters the task root. */
export async function takeAssignment(socketPath) {
  const client = new RuntimeClient(socketPath);
  const answer = await client
    .get(`${BASE}/warm`)
    .then(() => client.get(`${BASE}/assignment`))
    .catch(() => undefined);
  client.agent.destroy();
  if (answer?.status !== 200) process.exit(0);
  const { env } = JSON.parse(answer.body);
  for (const key of Object.keys(process.env)) if (!Object.hasOwn(env, key)) delete process.env[key];
  Object.assign(process.env, env);
  // The working directory is the empty mount point the sandbox started in; the code was mounted over it since.
  process.chdir(env.LAMBDA_TASK_ROOT ?? '/var/task');
}
