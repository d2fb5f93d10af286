/**
 * The wait of a runtime booted ahead of its function (Gust's ready sandboxes): the
 * interpreter and this bootstrap's own modules are loaded before any function is known, and
 * the function arrives here. Gust answers on a unix socket of the sandbox's own, named by
 * `_GUST_ASSIGNMENT`, once the sandbox is given to an environment: one JSON document,
 * `{"env": {...}}`, the environment's complete variables, then the end of the stream. By
 * then the function's code is mounted at /var/task and its layers at /opt. An end with no
 * document means Gust gave the sandbox up: the runtime exits.
 */
import { connect } from 'node:net';

/** Waits for the assignment, then takes its variables as the process's own and enters the task root. */
export async function takeAssignment(socketPath) {
  const text = await new Promise((resolve, reject) => {
    const chunks = [];
    const socket = connect(socketPath);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
  if (text === '') process.exit(0);
  const { env } = JSON.parse(text);
  for (const key of Object.keys(process.env)) if (!Object.hasOwn(env, key)) delete process.env[key];
  Object.assign(process.env, env);
  // The working directory is the empty mount point the sandbox started in; the code was mounted over it since.
  process.chdir(env.LAMBDA_TASK_ROOT ?? '/var/task');
}
