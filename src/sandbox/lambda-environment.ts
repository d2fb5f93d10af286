/**
 * The environment variables a runtime process starts with: Lambda's reserved variables,
 * the search paths that make layers visible, and the function's own variables. Built from
 * nothing: not one variable of Gust's own environment leaks in.
 *
 * Reference: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
 * ("Defined runtime environment variables").
 */
import { RESERVED_ENVIRONMENT_KEYS } from '../core/reserved-variables.js';
import type { FunctionCredentials } from '../core/function-credentials.js';
import type { FunctionVersion } from '../core/model/functions.js';
import type { SandboxLayout } from './sandbox-driver.js';

/** Reserved variables are overwritten here if one slips past the control plane, which refuses them at write time. */
export const RESERVED_VARIABLES: readonly string[] = [...RESERVED_ENVIRONMENT_KEYS];

/** Where the executables of the host's system live; the tail of every PATH. */
export const SYSTEM_PATH: readonly string[] = ['/usr/local/bin', '/usr/bin', '/bin'];

export interface LambdaEnvironmentInput {
  version: Pick<FunctionVersion, 'functionName' | 'version' | 'memorySize' | 'handler' | 'runtime' | 'environment' | 'loggingConfig'>;
  /** `127.0.0.1:<port>` of the environment's Runtime API. */
  runtimeApi: string;
  /** Where code and layers appear inside the sandbox (from the driver). */
  layout: SandboxLayout;
  /** LAMBDA_RUNTIME_DIR: where the runtime's own code lives (`/var/runtime` on Lambda). */
  runtimeDir: string;
  /** Where the runtime's AWS SDK appears (`/var/runtime/node_modules` on Lambda's Node.js), if it has one. */
  sdkDir?: string;
  region: string;
  logGroupName: string;
  logStreamName: string;
  /** Directories put first on PATH (the runtime's own bin dir, as `/var/lang/bin` on Lambda). */
  pathPrefix?: readonly string[];
  /** Gust's API as the function reaches it: AWS_ENDPOINT_URL, which the current SDKs honour, unless the function sets its own. */
  endpointUrl?: string;
  /** The function's temporary credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN). */
  credentials?: FunctionCredentials;
}

/** Builds the complete environment of one runtime process. */
export function buildLambdaEnvironment(input: LambdaEnvironmentInput): Record<string, string> {
  const { version, layout } = input;
  const runtime = version.runtime ?? 'provided';
  const opt = layout.optRoots;
  const env: Record<string, string> = {
    LANG: 'en_US.UTF-8',
    // Lambda's value, with the colon: glibc reads the zone file named UTC, not the TZ rule string.
    TZ: ':UTC',
    // Lambda's order: runtime bin, system, then /opt/bin.
    PATH: [...(input.pathPrefix ?? []), ...SYSTEM_PATH, ...opt.map((o) => `${o}/bin`)].join(':'),
    LD_LIBRARY_PATH: [layout.taskRoot, `${layout.taskRoot}/lib`, ...opt.map((o) => `${o}/lib`)].join(':'),
  };
  if (input.endpointUrl !== undefined) env.AWS_ENDPOINT_URL = input.endpointUrl;
  const sdk = input.sdkDir === undefined ? [] : [input.sdkDir];
  if (runtime.startsWith('nodejs')) {
    const major = /^nodejs(\d+)/.exec(runtime)?.[1];
    // Lambda's order: the layers, the runtime's SDK, the runtime, the function.
    env.NODE_PATH = [
      ...opt.flatMap((o) => [...(major ? [`${o}/nodejs/node${major}/node_modules`] : []), `${o}/nodejs/node_modules`]),
      ...sdk,
      input.runtimeDir,
      layout.taskRoot,
    ].join(':');
  } else if (runtime.startsWith('python')) {
    const minor = runtime.slice('python'.length);
    // The function's own packages and the layers' come before the runtime's boto3.
    env.PYTHONPATH = [layout.taskRoot, ...opt.flatMap((o) => [`${o}/python/lib/python${minor}/site-packages`, `${o}/python`]), ...sdk].join(':');
  }

  // The function's variables may replace the unreserved defaults above (PATH, TZ, …).
  for (const [k, v] of Object.entries(version.environment)) {
    if (!RESERVED_VARIABLES.includes(k)) env[k] = v;
  }

  Object.assign(env, {
    AWS_LAMBDA_RUNTIME_API: input.runtimeApi,
    LAMBDA_TASK_ROOT: layout.taskRoot,
    LAMBDA_RUNTIME_DIR: input.runtimeDir,
    AWS_LAMBDA_FUNCTION_NAME: version.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: version.version,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(version.memorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: input.logGroupName,
    AWS_LAMBDA_LOG_STREAM_NAME: input.logStreamName,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_REGION: input.region,
    AWS_DEFAULT_REGION: input.region,
  });
  if (input.credentials) {
    env.AWS_ACCESS_KEY_ID = input.credentials.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = input.credentials.secretAccessKey;
    env.AWS_SESSION_TOKEN = input.credentials.sessionToken;
  }
  if (version.handler !== undefined) env._HANDLER = version.handler;
  // Lambda leaves AWS_EXECUTION_ENV unset for the OS-only runtimes (provided*).
  if (!runtime.startsWith('provided')) env.AWS_EXECUTION_ENV = `AWS_Lambda_${runtime}`;
  if (version.loggingConfig.logFormat === 'JSON') {
    env.AWS_LAMBDA_LOG_FORMAT = 'JSON';
    if (version.loggingConfig.applicationLogLevel) env.AWS_LAMBDA_LOG_LEVEL = version.loggingConfig.applicationLogLevel;
  }
  return env;
}
