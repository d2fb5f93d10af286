/**
 * A function's, version's or alias's asynchronous invocation settings
 * (PutFunctionEventInvokeConfig). Absent members were not set (AWS leaves them out of its
 * answers and applies its defaults).
 */
export interface EventInvokeConfig {
  functionName: string;
  /** `$LATEST`, a version number or an alias name. */
  qualifier: string;
  maximumRetryAttempts?: number;
  maximumEventAgeInSeconds?: number;
  /** Destination ARN for successful invocations. */
  onSuccess?: string;
  /** Destination ARN for events that failed every attempt or grew too old. */
  onFailure?: string;
  /** ms since the epoch. */
  lastModified: number;
}
