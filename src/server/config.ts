/**
 * Gust's configuration, parsed once: command-line flags > `GUST_*` environment
 * variables > defaults. Each option is declared once here with its doc string;
 * docs/configuration.md lists them. A bad value fails start-up naming the option.
 */

export interface GustConfig {
  host: string;
  port: number;
  dataDir: string;
  region: string;
  accountId: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Idle time after which a warm environment is stopped, in ms. */
  keepAliveMs: number;
  /** Account-wide concurrency limit. */
  concurrencyLimit: number;
  /** Log bytes kept per function before the oldest are dropped. */
  logRetentionBytes: number;
  /** The access key AWS_IAM function URLs accept in SigV4 signatures. */
  urlAccessKeyId: string;
  /** Its secret. */
  urlSecretAccessKey: string;
  /** Unit of the async queue's waits after function errors (waits 1×, 2×), in ms. */
  asyncRetryBaseMs: number;
  /** First async retry wait after a throttle or platform error, in ms. */
  asyncThrottleBaseMs: number;
  /** Longest async retry wait after throttles or platform errors, in ms. */
  asyncThrottleMaxMs: number;
  /** Most async invocations running at once per function. */
  asyncMaxConcurrency: number;
  /** Sandbox driver: `namespace` (bubblewrap), `process` (trusted code only), or `auto` (namespace where it works). */
  sandbox: 'auto' | 'namespace' | 'process';
  /** Host uid the namespace driver runs functions as. */
  sandboxUid: number;
  /** Host gid the namespace driver runs functions as. */
  sandboxGid: number;
  /** Where interpreters, Python roots and SDKs are installed; empty: `<dataDir>/runtimes`. */
  runtimesDir: string;
  /** npm registry that Node.js binaries and the Node.js SDK come from. */
  npmRegistry: string;
  /** Debian mirror that Python roots and boto3 come from (`/debian` and `/debian-security` under it). */
  debianMirror: string;
}

type Parser<T> = (raw: string) => T;

interface OptionSpec<K extends keyof GustConfig> {
  key: K;
  flag: string;
  env: string;
  doc: string;
  default: GustConfig[K];
  parse: Parser<GustConfig[K]>;
}

export class ConfigError extends Error {}

const text: Parser<string> = (raw) => raw;

function integer(min: number, max: number): Parser<number> {
  return (raw) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

function oneOf<T extends string>(values: readonly T[]): Parser<T> {
  return (raw) => {
    if (!(values as readonly string[]).includes(raw)) throw new Error(`expected one of ${values.join(', ')}`);
    return raw as T;
  };
}

/** `500ms`, `30s`, `10m`, `1h`, or a bare number of seconds; returns milliseconds. */
function duration(min: number, max: number): Parser<number> {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return (raw) => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
    const ms = m ? Math.round(Number(m[1]) * units[m[2] ?? 's']!) : NaN;
    if (!(ms >= min && ms <= max)) throw new Error(`expected a duration such as 30s, 10m or 1h, from ${min} ms to ${max / 3_600_000} h`);
    return ms;
  };
}

function pattern(re: RegExp, what: string): Parser<string> {
  return (raw) => {
    if (!re.test(raw)) throw new Error(`expected ${what}`);
    return raw;
  };
}

/** Every option, in the order `gust serve --help` lists them. */
export const OPTIONS: OptionSpec<keyof GustConfig>[] = [
  { key: 'host', flag: '--host', env: 'GUST_HOST', doc: 'Address to listen on', default: '127.0.0.1', parse: text },
  { key: 'port', flag: '--port', env: 'GUST_PORT', doc: 'Port for the Lambda API, function URLs and events (0 picks a free one)', default: 9000, parse: integer(0, 65535) },
  { key: 'dataDir', flag: '--data-dir', env: 'GUST_DATA_DIR', doc: 'Directory for the SQLite database and code blobs', default: '.gust', parse: text },
  { key: 'region', flag: '--region', env: 'GUST_REGION', doc: 'Region that appears in ARNs', default: 'us-east-1', parse: pattern(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'a region such as us-east-1') },
  { key: 'accountId', flag: '--account-id', env: 'GUST_ACCOUNT_ID', doc: 'Account id that appears in ARNs', default: '000000000000', parse: pattern(/^\d{12}$/, 'twelve digits') },
  { key: 'keepAliveMs', flag: '--keep-alive', env: 'GUST_KEEP_ALIVE', doc: 'Idle time before a warm environment is stopped (30s, 10m, 1h)', default: 600_000, parse: duration(100, 24 * 3_600_000) },
  { key: 'concurrencyLimit', flag: '--concurrency-limit', env: 'GUST_CONCURRENCY_LIMIT', doc: 'Account concurrency limit: environments running at once', default: 1000, parse: integer(1, 100_000) },
  { key: 'logRetentionBytes', flag: '--log-retention-bytes', env: 'GUST_LOG_RETENTION_BYTES', doc: 'Log bytes kept per function; the oldest go first', default: 64 * 1024 * 1024, parse: integer(1024, 2 ** 40) },
  { key: 'urlAccessKeyId', flag: '--url-access-key-id', env: 'GUST_URL_ACCESS_KEY_ID', doc: 'Access key id that AWS_IAM function URLs accept in SigV4 signatures', default: 'test', parse: pattern(/^\S{1,128}$/, 'an access key id without spaces') },
  { key: 'urlSecretAccessKey', flag: '--url-secret-access-key', env: 'GUST_URL_SECRET_ACCESS_KEY', doc: 'Secret access key that goes with --url-access-key-id', default: 'test', parse: pattern(/^\S{1,128}$/, 'a secret access key without spaces') },
  { key: 'asyncRetryBaseMs', flag: '--async-retry-base', env: 'GUST_ASYNC_RETRY_BASE', doc: 'Async invocations: wait after a function error, times the attempt number (AWS: 1m)', default: 60_000, parse: duration(1, 3_600_000) },
  { key: 'asyncThrottleBaseMs', flag: '--async-throttle-base', env: 'GUST_ASYNC_THROTTLE_BASE', doc: 'Async invocations: first wait after a throttle, doubling each time (AWS: 1s)', default: 1000, parse: duration(1, 3_600_000) },
  { key: 'asyncThrottleMaxMs', flag: '--async-throttle-max', env: 'GUST_ASYNC_THROTTLE_MAX', doc: 'Async invocations: longest wait after throttles (AWS: 5m)', default: 300_000, parse: duration(1, 6 * 3_600_000) },
  { key: 'asyncMaxConcurrency', flag: '--async-max-concurrency', env: 'GUST_ASYNC_MAX_CONCURRENCY', doc: 'Async invocations running at once per function (reserved concurrency can lower it)', default: 10, parse: integer(1, 100_000) },
  { key: 'sandbox', flag: '--sandbox', env: 'GUST_SANDBOX', doc: 'How functions run: namespace (isolated, bubblewrap), process (trusted code only), auto (namespace where this host supports it)', default: 'auto', parse: oneOf(['auto', 'namespace', 'process'] as const) },
  { key: 'sandboxUid', flag: '--sandbox-uid', env: 'GUST_SANDBOX_UID', doc: 'Unprivileged host uid the namespace driver runs functions as (not an account of its own)', default: 65532, parse: integer(1, 2 ** 31 - 2) },
  { key: 'sandboxGid', flag: '--sandbox-gid', env: 'GUST_SANDBOX_GID', doc: 'Unprivileged host gid the namespace driver runs functions as', default: 65532, parse: integer(1, 2 ** 31 - 2) },
  { key: 'runtimesDir', flag: '--runtimes-dir', env: 'GUST_RUNTIMES_DIR', doc: 'Where runtime interpreters and SDKs are installed (default: <data-dir>/runtimes); shareable between servers', default: '', parse: text },
  { key: 'npmRegistry', flag: '--npm-registry', env: 'GUST_NPM_REGISTRY', doc: 'npm registry for Node.js interpreters and the AWS SDK for JavaScript', default: 'https://registry.npmjs.org/', parse: pattern(/^https?:\/\/\S+$/, 'an http(s) URL') },
  { key: 'debianMirror', flag: '--debian-mirror', env: 'GUST_DEBIAN_MIRROR', doc: "Debian mirror for Python interpreters and boto3 (its /debian and /debian-security)", default: 'http://deb.debian.org', parse: pattern(/^https?:\/\/\S+$/, 'an http(s) URL') },
  { key: 'logLevel', flag: '--log-level', env: 'GUST_LOG_LEVEL', doc: 'Server log level', default: 'info', parse: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const) },
] as OptionSpec<keyof GustConfig>[];

/** Converts `--data-dir` to the camelCase name commander gives the parsed flag. */
export function flagProperty(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Builds the configuration from parsed flags (raw strings keyed by flag property) and
 * the environment.
 */
export function loadConfig(flags: Record<string, string | undefined>, env: NodeJS.ProcessEnv): GustConfig {
  const config: Record<string, unknown> = {};
  for (const spec of OPTIONS) {
    const fromFlag = flags[flagProperty(spec.flag)];
    const raw = fromFlag ?? env[spec.env];
    if (raw === undefined) {
      config[spec.key] = spec.default;
      continue;
    }
    try {
      config[spec.key] = spec.parse(raw);
    } catch (err) {
      const source = fromFlag !== undefined ? spec.flag : spec.env;
      throw new ConfigError(`Invalid value '${raw}' for ${source}: ${(err as Error).message}`);
    }
  }
  return config as unknown as GustConfig;
}

/** The runtimes directory the configuration names: `--runtimes-dir`, else `<data-dir>/runtimes`. */
export function runtimesDirOf(config: Pick<GustConfig, 'runtimesDir' | 'dataDir'>): string {
  return config.runtimesDir === '' ? `${config.dataDir.replace(/\/$/, '')}/runtimes` : config.runtimesDir;
}
