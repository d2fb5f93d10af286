/**
 * AWS Lambda's documented quotas that Gust enforces, in one place.
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
export const LIMITS = {
  /** Zipped deployment package sent directly in the request. */
  zippedCodeBytes: 50 * 1024 * 1024,
  /** Unzipped function code plus all its layers. */
  unzippedCodeBytes: 250 * 1024 * 1024,
  /** Total size of the Environment variables map, serialised. */
  environmentBytes: 4 * 1024,
  maxLayers: 5,
  timeoutSecondsMin: 1,
  timeoutSecondsMax: 900,
  timeoutSecondsDefault: 3,
  memoryMbMin: 128,
  memoryMbMax: 10240,
  memoryMbDefault: 128,
  ephemeralStorageMbMin: 512,
  ephemeralStorageMbMax: 10240,
  ephemeralStorageMbDefault: 512,
  /** Synchronous invoke request and response payloads. */
  syncPayloadBytes: 6 * 1024 * 1024,
  /** Asynchronous invoke payloads. */
  asyncPayloadBytes: 1024 * 1024,
  /** Lambda's init phase limit before the first /next. */
  initTimeoutMs: 10_000,
  /** The tail of the log returned with LogType: Tail. */
  logTailBytes: 4 * 1024,
  descriptionMaxLength: 256,
  maxAliasWeightedVersions: 1,
  /** Concurrency that AWS keeps unreserved; reservations may not eat into it. */
  unreservedConcurrencyMinimum: 100,
} as const;

/**
 * Runtimes Gust accepts at CreateFunction: the Node.js and Python identifiers of the pinned
 * SDK's Runtime enum that AWS accepts for create or did until recently, and the OS-only
 * ones. Whether this host can obtain each one's interpreter is decided when a function
 * is created (sandbox/runtimes/), which leaves it Failed, with the reason, when it cannot.
 */
export const SUPPORTED_RUNTIMES = [
  'nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs24.x',
  'python3.9', 'python3.10', 'python3.11', 'python3.12', 'python3.13', 'python3.14',
  'provided', 'provided.al2', 'provided.al2023',
] as const;

export type Runtime = (typeof SUPPORTED_RUNTIMES)[number];

export function isSupportedRuntime(value: string): value is Runtime {
  return (SUPPORTED_RUNTIMES as readonly string[]).includes(value);
}

/** A language runtime: the language and the version its identifier names (`22`, `3.13`). */
export interface LanguageRuntime {
  language: 'nodejs' | 'python';
  version: string;
}

/** The language and version of `nodejs22.x` or `python3.13`; undefined for the OS-only runtimes. */
export function languageRuntime(runtime: Runtime): LanguageRuntime | undefined {
  const node = /^nodejs(\d+)\.x$/.exec(runtime);
  if (node) return { language: 'nodejs', version: node[1]! };
  const python = /^python(\d+\.\d+)$/.exec(runtime);
  if (python) return { language: 'python', version: python[1]! };
  return undefined;
}
