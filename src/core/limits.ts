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

/** Runtimes Gust accepts at CreateFunction; whether the host can run them is checked at invoke. */
export const SUPPORTED_RUNTIMES = [
  'nodejs18.x', 'nodejs20.x', 'nodejs22.x',
  'python3.9', 'python3.10', 'python3.11', 'python3.12', 'python3.13',
  'provided', 'provided.al2', 'provided.al2023',
] as const;

export type Runtime = (typeof SUPPORTED_RUNTIMES)[number];

export function isSupportedRuntime(value: string): value is Runtime {
  return (SUPPORTED_RUNTIMES as readonly string[]).includes(value);
}
