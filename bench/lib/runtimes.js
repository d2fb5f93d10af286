/** How the baselines start Gust's runtimes bare: the same command Gust uses, minimal environment. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gustRuntimesDir } from '../../dist/sandbox/runtimes/gust-runtimes.js';

function python() {
  for (const p of ['/usr/bin/python3', '/usr/local/bin/python3']) if (existsSync(p)) return p;
  throw new Error('no python3 at /usr/bin or /usr/local/bin');
}

/** The bootstraps from where Gust takes them: the build's copy (the Node.js one bundled) when it is current. */
export function runtimeCommand(kind) {
  if (kind === 'node') return [process.execPath, join(gustRuntimesDir(), 'node/bootstrap.mjs')];
  if (kind === 'python') return [python(), join(gustRuntimesDir(), 'python/bootstrap.py')];
  throw new Error(`unknown runtime kind ${kind}`);
}

/** The task roots made in this run, removed when the bench exits (each run left a few in the temporary directory). */
const made = new Set();
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** Writes a fixture's files to a temporary task root. */
export function prepareCode(fixture) {
  const dir = mkdtempSync(join(tmpdir(), 'gust-bench-code-'));
  made.add(dir);
  for (const [name, text] of Object.entries(fixture.files)) writeFileSync(join(dir, name), text);
  return { dir, handler: fixture.handler, runtime: fixture.runtime };
}

export function runtimeEnv(code) {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    _HANDLER: code.handler,
    LAMBDA_TASK_ROOT: code.dir,
    AWS_LAMBDA_FUNCTION_NAME: 'baseline',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/baseline',
    AWS_LAMBDA_LOG_STREAM_NAME: 'baseline',
    AWS_REGION: 'us-east-1',
    AWS_EXECUTION_ENV: `AWS_Lambda_${code.runtime}`,
  };
}
