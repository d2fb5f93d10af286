import { describe, expect, it } from 'vitest';
import type { FunctionVersion } from '../core/model/functions.js';
import { buildLambdaEnvironment, RESERVED_VARIABLES } from './lambda-environment.js';

function version(over: Partial<FunctionVersion> = {}): FunctionVersion {
  return {
    functionName: 'fn',
    version: '$LATEST',
    description: '',
    runtime: 'nodejs20.x',
    role: 'arn:aws:iam::000000000000:role/r',
    handler: 'index.handler',
    timeout: 3,
    memorySize: 256,
    ephemeralStorageMb: 512,
    environment: {},
    layers: [],
    architectures: ['x86_64'],
    packageType: 'Zip',
    codeHash: 'h',
    codeSha256: 's',
    codeSize: 1,
    lastModified: '2026-01-01T00:00:00.000Z',
    revisionId: 'r',
    state: 'Active',
    lastUpdateStatus: 'Successful',
    tracingMode: 'PassThrough',
    loggingConfig: { logFormat: 'Text', logGroup: '/aws/lambda/fn' },
    ...over,
  };
}

const base = {
  runtimeApi: '127.0.0.1:9001',
  layout: { taskRoot: '/code', optRoots: ['/layer2', '/layer1'] },
  runtimeDir: '/gust/runtimes/node',
  region: 'eu-west-1',
  logGroupName: '/aws/lambda/fn',
  logStreamName: '2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
  pathPrefix: ['/opt/node/bin'],
};

describe('buildLambdaEnvironment', () => {
  it("sets Lambda's reserved variables and nothing of the host", () => {
    const env = buildLambdaEnvironment({ ...base, version: version() });
    expect(env).toEqual({
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      PATH: '/opt/node/bin:/usr/local/bin:/usr/bin:/bin:/layer2/bin:/layer1/bin',
      LD_LIBRARY_PATH: '/code:/code/lib:/layer2/lib:/layer1/lib',
      NODE_PATH: '/layer2/nodejs/node20/node_modules:/layer2/nodejs/node_modules:/layer1/nodejs/node20/node_modules:/layer1/nodejs/node_modules:/code',
      AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
      LAMBDA_TASK_ROOT: '/code',
      LAMBDA_RUNTIME_DIR: '/gust/runtimes/node',
      AWS_LAMBDA_FUNCTION_NAME: 'fn',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/fn',
      AWS_LAMBDA_LOG_STREAM_NAME: base.logStreamName,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      _HANDLER: 'index.handler',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
    });
  });

  it("lets the function's variables replace unreserved defaults but never reserved ones", () => {
    const environment: Record<string, string> = { TZ: 'Europe/Paris', MY_VAR: 'x' };
    for (const k of RESERVED_VARIABLES) environment[k] = 'hijack';
    const env = buildLambdaEnvironment({ ...base, version: version({ environment }) });
    expect(env.TZ).toBe('Europe/Paris');
    expect(env.MY_VAR).toBe('x');
    expect(env.AWS_LAMBDA_FUNCTION_NAME).toBe('fn');
    expect(env.AWS_LAMBDA_RUNTIME_API).toBe('127.0.0.1:9001');
    expect(env.AWS_ACCESS_KEY_ID).toBeUndefined();
    expect(env._X_AMZN_TRACE_ID).toBeUndefined();
  });

  it('python: PYTHONPATH into the layers; provided: no AWS_EXECUTION_ENV', () => {
    const py = buildLambdaEnvironment({ ...base, version: version({ runtime: 'python3.12' }) });
    expect(py.PYTHONPATH).toBe('/code:/layer2/python/lib/python3.12/site-packages:/layer2/python:/layer1/python/lib/python3.12/site-packages:/layer1/python');
    expect(py.NODE_PATH).toBeUndefined();
    expect(py.AWS_EXECUTION_ENV).toBe('AWS_Lambda_python3.12');
    const provided = buildLambdaEnvironment({ ...base, version: version({ runtime: 'provided.al2023' }) });
    expect(provided.AWS_EXECUTION_ENV).toBeUndefined();
    expect(provided.PYTHONPATH).toBeUndefined();
  });

  it('JSON logging sets the log format and level variables', () => {
    const env = buildLambdaEnvironment({ ...base, version: version({ loggingConfig: { logFormat: 'JSON', logGroup: '/g', applicationLogLevel: 'DEBUG' } }) });
    expect(env.AWS_LAMBDA_LOG_FORMAT).toBe('JSON');
    expect(env.AWS_LAMBDA_LOG_LEVEL).toBe('DEBUG');
  });
});
