/**
 * The error catalog: every error Gust reports to a client is one of these classes,
 * named exactly as AWS names it. Services throw them; each HTTP API renders them in
 * one place (status, `x-amzn-ErrorType`, JSON body with `Type` and `Message`).
 * See docs/errors.md for the table.
 */

/** Who is at fault, as AWS's `Type` field says it. */
export type FaultType = 'User' | 'Service';

/** Base of every AWS-shaped error. */
export class LambdaError extends Error {
  /** The AWS error type, sent as `x-amzn-ErrorType`. */
  readonly awsType: string;
  readonly status: number;
  readonly faultType: FaultType;
  /** Extra modelled fields rendered into the JSON body (for example `Reason`). */
  readonly fields: Record<string, unknown>;

  constructor(awsType: string, status: number, message: string, faultType: FaultType = 'User', fields: Record<string, unknown> = {}) {
    super(message);
    this.name = awsType;
    this.awsType = awsType;
    this.status = status;
    this.faultType = faultType;
    this.fields = fields;
  }
}

export class ResourceNotFoundException extends LambdaError {
  constructor(message: string) { super('ResourceNotFoundException', 404, message); }
}

export class ResourceConflictException extends LambdaError {
  constructor(message: string) { super('ResourceConflictException', 409, message); }
}

export class ResourceInUseException extends LambdaError {
  constructor(message: string) { super('ResourceInUseException', 400, message); }
}

export class InvalidParameterValueException extends LambdaError {
  constructor(message: string) { super('InvalidParameterValueException', 400, message); }
}

/** Constraint violations the AWS model itself checks (lengths, patterns, ranges). */
export class ValidationException extends LambdaError {
  constructor(message: string) { super('ValidationException', 400, message); }
}

export class PreconditionFailedException extends LambdaError {
  constructor(message: string) { super('PreconditionFailedException', 412, message); }
}

export class RequestTooLargeException extends LambdaError {
  constructor(message: string) { super('RequestTooLargeException', 413, message); }
}

export class InvalidRequestContentException extends LambdaError {
  constructor(message: string) { super('InvalidRequestContentException', 400, message); }
}

export class UnsupportedMediaTypeException extends LambdaError {
  constructor(message: string) { super('UnsupportedMediaTypeException', 415, message); }
}

export class CodeStorageExceededException extends LambdaError {
  constructor(message: string) { super('CodeStorageExceededException', 400, message); }
}

export class InvalidRuntimeException extends LambdaError {
  constructor(message: string) { super('InvalidRuntimeException', 502, message, 'Service'); }
}

export type ThrottleReason =
  | 'ConcurrentInvocationLimitExceeded'
  | 'ReservedFunctionConcurrentInvocationLimitExceeded'
  | 'FunctionInvocationRateLimitExceeded'
  | 'CallerRateLimitExceeded';

export class TooManyRequestsException extends LambdaError {
  constructor(message: string, reason: ThrottleReason, retryAfterSeconds?: number) {
    super('TooManyRequestsException', 429, message, 'User', { Reason: reason, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds: String(retryAfterSeconds) }) });
  }
}

/** An unexpected failure inside Gust; the renderer never exposes its cause. */
export class ServiceException extends LambdaError {
  constructor(message = 'An internal error occurred.') { super('ServiceException', 500, message, 'Service'); }
}

/** For unknown routes: AWS answers an unknown path with this type. */
export class UnknownOperationException extends LambdaError {
  constructor(message = 'Unknown operation') { super('UnknownOperationException', 404, message); }
}

/**
 * Whether an error says the data disk is full: the file system's ENOSPC (or a quota's
 * EDQUOT) or SQLite's SQLITE_FULL. Such an error is Gust's condition, not the request's.
 */
export function isDiskFull(err: unknown): boolean {
  const code = err !== null && typeof err === 'object' ? (err as { code?: unknown }).code : undefined;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL';
}

/** Whether the error, or the error it was raised for (`cause`), says the data disk is full. */
export function causedByFullDisk(err: unknown): boolean {
  return isDiskFull(err) || (err instanceof Error && isDiskFull(err.cause));
}

/**
 * A code package that does not fit on the data disk: to the user that is code storage
 * running out, and the remedy is AWS's (delete versions, functions or layers).
 */
export function codeStorageFull(cause: unknown): CodeStorageExceededException {
  const err = new CodeStorageExceededException("Code storage is full: no space left on Gust's data disk. Delete unused functions, versions or layers, or free space on the disk, then retry.");
  err.cause = cause;
  return err;
}

/** What a client hears when a write failed on a full data disk (see docs/errors.md). */
export function dataDiskFull(): ServiceException {
  return new ServiceException('No space left on Gust\'s data disk: the change was not made. Free space, or delete functions, versions or layers (deletes still work), then retry.');
}
