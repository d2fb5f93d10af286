/**
 * The wait of a runtime booted ahead of its function (Gust's ready sandboxes): the
 * interpreter and this bootstrap's own modules are loaded before any function is known, and
 * the function arrives here. `_GUST_ASSIGNMENT` names a unix socket of the sandbox's own
 * where Gust serves one request, `GET /2018-06-01/runtime/gust/assignment`, answered once the
 * sandbox is given to an environment: 200 with `{"env": {...}}`, the environment's complete
 * variables. By then the function's code is mounted at /var/task and its layers at /opt.
 * Anything else (the socket closed, another status) means Gust gave the sandbox up: the
 * runtime exits. Asked with node:http, so that the Runtime API client's code has run once
 * before the function's first /next.
 */
import http from 'node:http';

const PATH = '/2018-06-01/runtime/gust/assignment';

/** Waits for the assignment, then takes its variables as the process's own and enters the task root. */
export async function takeAssignment(socketPath) {
  const text = await new Promise((resolve) => {
    const req = http.request({ socketPath, path: PATH, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve(res.statusCode === 200 ? Buffer.concat(chunks).toString('utf8') : ''));
      res.on('error', () => resolve(''));
    });
    req.on('error', () => resolve(''));
    req.end();
  });
  if (text === '') process.exit(0);
  const { env } = JSON.parse(text);
  for (const key of Object.keys(process.env)) if (!Object.hasOwn(env, key)) delete process.env[key];
  Object.assign(process.env, env);
  // The working directory is the empty mount point the sandbox started in; the code was mounted over it since.
  process.chdir(env.LAMBDA_TASK_ROOT ?? '/var/task');
}
