import { describe, expect, it } from 'vitest';
import { buildLambdaEnvironment } from '../lambda-environment.js';
import type { RuntimeFiles } from '../sandbox-driver.js';
import { OPT_ROOT, runtimeApiVariables, TASK_ROOT } from './bwrap-args.js';
import { fits, startEnvironment } from './ready-sandboxes.js';
import { namespaceRuntimeLayout, RUNTIME_DIR_IN_SANDBOX } from './runtime-mounts.js';

const NODE: RuntimeFiles = { language: 'nodejs', version: '20', runtimeDir: '/gust/runtimes/node', bootstrap: 'bootstrap.mjs', sdkDir: '/cache/node-sdk/node_modules', interpreter: '/usr/bin/node' };
const PYTHON: RuntimeFiles = { language: 'python', version: '3.11', runtimeDir: '/gust/runtimes/python', bootstrap: 'bootstrap.py', sdkDir: '/cache/boto3', interpreter: '/usr/bin/python3.11' };

/** A function's environment as the pool builds it for a namespace sandbox, as the driver passes it on. */
function functionEnv(r: RuntimeFiles, runtime: 'nodejs20.x' | 'python3.11', variables: Record<string, string> = {}): Record<string, string> {
  const layout = namespaceRuntimeLayout(r);
  const env = buildLambdaEnvironment({
    version: { functionName: 'f', version: '$LATEST', memorySize: 128, handler: 'index.handler', runtime, environment: variables, loggingConfig: { logFormat: 'Text', logGroup: '/aws/lambda/f' } },
    runtimeApi: '127.0.0.1:40000',
    layout: { taskRoot: TASK_ROOT, optRoots: [OPT_ROOT], runtime: layout, runtimeDir: RUNTIME_DIR_IN_SANDBOX },
    runtimeDir: layout.runtimeDir,
    ...(layout.sdkDir === undefined ? {} : { sdkDir: layout.sdkDir }),
    region: 'us-east-1',
    logGroupName: '/aws/lambda/f',
    logStreamName: 's',
    pathPrefix: layout.pathPrefix,
  });
  return { ...env, TMPDIR: '/tmp', ...runtimeApiVariables() };
}

function ready(r: RuntimeFiles) {
  const layout = namespaceRuntimeLayout(r);
  return { command: layout.command, args: layout.args, bootEnv: startEnvironment(r) };
}

describe('ready sandboxes: who fits', () => {
  it('boots with exactly the start variables a function of its runtime gets (else none would ever fit)', () => {
    for (const [r, id] of [[NODE, 'nodejs20.x'], [PYTHON, 'python3.11']] as const) {
      const env = functionEnv(r, id);
      const boot = startEnvironment(r);
      expect(Object.keys(boot).sort()).toEqual(expect.arrayContaining(['AWS_LAMBDA_RUNTIME_API', '_GUST_RUNTIME_API_SOCKET', 'LAMBDA_TASK_ROOT', 'PATH', 'TMPDIR']));
      for (const [k, v] of Object.entries(boot)) expect(env[k], k).toBe(v);
      const rd = ready(r);
      expect(fits(rd, rd, env)).toBe(true);
    }
  });

  it('refuses a function that sets a variable read at the interpreter start, or changes a start variable', () => {
    const rd = ready(NODE);
    for (const variables of [{ NODE_OPTIONS: '--max-old-space-size=100' }, { AWS_LAMBDA_EXEC_WRAPPER: '/opt/w' }, { LD_PRELOAD: '/opt/x.so' }, { PATH: '/opt/bin:/usr/bin' }, { TZ: 'Europe/Paris' }, { LC_ALL: 'C' }]) {
      expect(fits(rd, rd, functionEnv(NODE, 'nodejs20.x', variables)), JSON.stringify(variables)).toBe(false);
    }
    expect(fits(rd, rd, functionEnv(NODE, 'nodejs20.x', { COLOR: 'blue', AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR' }))).toBe(true);
    const py = ready(PYTHON);
    expect(fits(py, py, functionEnv(PYTHON, 'python3.11', { PYTHONDONTWRITEBYTECODE: '1' }))).toBe(false);
  });

  it('refuses another command (another runtime, or a wrapper in front of it)', () => {
    const rd = ready(NODE);
    const env = functionEnv(NODE, 'nodejs20.x');
    expect(fits(rd, { command: '/var/task/wrapper', args: [rd.command, ...rd.args] }, env)).toBe(false);
    expect(fits(rd, { command: rd.command, args: ['/var/runtime/other.mjs'] }, env)).toBe(false);
  });
});
