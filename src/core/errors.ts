/**
 * The error catalog: every error Gust reports to a client is one of these classes (or one
 * of the EventBridge API's own beside it), named exactly as AWS names it. Services throw
 * them; each HTTP API renders them in one place (status, `x-amzn-ErrorType`, JSON body with
 * `Type` and `Message`). docs/errors.md's table is generated from these classes, the doc
 * comment of each saying when Gust raises it (`npm run docs`).
 */

import { EXPIRED_TOKEN, INVALID_TOKEN, SIGNATURE_MISMATCH, signatureExpiredMessage, type AuthFailure } from './auth-failure.js';

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

/** A function, version, alias, layer version, function URL, event invoke configuration, event source mapping, resource policy or policy statement that does not exist; an EventBridge rule that does not exist, or an event bus other than `default`. */
export class ResourceNotFoundException extends LambdaError {
  constructor(message: string) { super('ResourceNotFoundException', 404, message); }
}

/** A function, alias or configuration that already exists (also a policy statement id already used); an operation on a function that is not ready. */
export class ResourceConflictException extends LambdaError {
  constructor(message: string) { super('ResourceConflictException', 409, message); }
}

/** GetProvisionedConcurrencyConfig for a version or alias that has none. */
export class ProvisionedConcurrencyConfigNotFoundException extends LambdaError {
  constructor(message: string) { super('ProvisionedConcurrencyConfigNotFoundException', 404, message); }
}

/** Deleting something still in use. */
export class ResourceInUseException extends LambdaError {
  constructor(message: string) { super('ResourceInUseException', 400, message); }
}

/** What a resource policy does not allow: an EventBridge rule delivering to a function whose policy does not name it; a valid signature of another account than the one the server's resources belong to. */
export class AccessDeniedException extends LambdaError {
  constructor(message: string) { super('AccessDeniedException', 403, message); }
}

/** A value AWS would refuse (runtime, zip, reserved variables, role, …). */
export class InvalidParameterValueException extends LambdaError {
  constructor(message: string) { super('InvalidParameterValueException', 400, message); }
}

/**
 * A constraint the API model checks (pattern, length, range), in AWS's words (see
 * {@link validationError}); on the EventBridge API, also its own checks of rules, targets
 * and events.
 */
export class ValidationException extends LambdaError {
  constructor(message: string) { super('ValidationException', 400, message); }
}

/** One constraint of the API model a request failed, as AWS's messages name it. */
export interface ConstraintViolation {
  /** What was sent: undefined leaves the value out (AWS does for lists and maps), null shows `null`, an array `[a, b]`. */
  value: unknown;
  /** The member's path in camelCase: `functionName`, `cors.allowOrigins.1.member`. */
  field: string;
  /** AWS's wording: `Member must have length less than or equal to 64`. */
  constraint: string;
}

/** `Value 'x' at 'field' failed to satisfy constraint: …`, one violation as AWS words it. */
export function violationMessage({ value, field, constraint }: ConstraintViolation): string {
  const shown = value === undefined ? '' : value === null ? ' null' : ` '${Array.isArray(value) ? `[${value.join(', ')}]` : String(value)}'`;
  return `Value${shown} at '${field}' failed to satisfy constraint: ${constraint}`;
}

/** AWS's answer to a request that fails the model: "N validation error(s) detected: …; …", every violation named. */
export function validationErrors(violations: readonly ConstraintViolation[]): ValidationException {
  const n = violations.length;
  return new ValidationException(`${n} validation error${n === 1 ? '' : 's'} detected: ${violations.map(violationMessage).join('; ')}`);
}

/** "1 validation error detected: Value 'x' at 'field' failed to satisfy constraint: …". */
export function validationError(value: unknown, field: string, constraint: string): ValidationException {
  return validationErrors([{ value, field, constraint }]);
}

/**
 * An AddPermission whose statement would take the policy of the function, version or alias
 * past 20 KB (`The final policy size (N) is bigger than the limit (20480).`).
 */
export class PolicyLengthExceededException extends LambdaError {
  constructor(message: string) { super('PolicyLengthExceededException', 400, message); }
}

/** A stale `RevisionId` or `CodeSha256`; also AddPermission and RemovePermission with a `RevisionId` that is not the function's, version's or alias's current one. */
export class PreconditionFailedException extends LambdaError {
  constructor(message: string) { super('PreconditionFailedException', 412, message); }
}

/**
 * A request body over its route's limit, refused from `Content-Length` before it is read
 * (`Request must be smaller than N bytes for the <Operation> operation`): 69905067 for
 * CreateFunction, UpdateFunctionCode and PublishLayerVersion, 6291456 for Invoke (1048576
 * for an `Event` invoke), 1048576 for every other route. Also request headers over Node's
 * 16 KB, with status 431 (`Request header fields too large: …`); the connection is closed
 * after that answer.
 */
export class RequestTooLargeException extends LambdaError {
  constructor(message: string) { super('RequestTooLargeException', 413, message); }
}

/**
 * A body that is not JSON, or a `ZipFile` that is not base64; also a request Node cannot
 * read as HTTP (status 400) or that does not arrive in time (status 408).
 */
export class InvalidRequestContentException extends LambdaError {
  constructor(message: string) { super('InvalidRequestContentException', 400, message); }
}

/** A content type the operation does not take. */
export class UnsupportedMediaTypeException extends LambdaError {
  constructor(message: string) { super('UnsupportedMediaTypeException', 415, message); }
}

/**
 * A package that would take stored code (zips and their unpacked files, each hash once)
 * past `--code-storage-limit-bytes` (`Code storage limit exceeded. …`); or a
 * CreateFunction, UpdateFunctionCode or PublishLayerVersion whose package does not fit on
 * the data disk (`Code storage is full: no space left on Gust's data disk. …`).
 */
export class CodeStorageExceededException extends LambdaError {
  constructor(message: string) { super('CodeStorageExceededException', 400, message); }
}

/** An invoke of a function whose runtime cannot start here: its interpreter is not available on this host, or not installed yet (Gust starts installing it, and the message says so), or the driver cannot run it (a Python on its own Debian root under the `process` driver): a fault of the host, so `Service`. */
export class InvalidRuntimeException extends LambdaError {
  constructor(message: string) { super('InvalidRuntimeException', 502, message, 'Service'); }
}

export type ThrottleReason =
  | 'ConcurrentInvocationLimitExceeded'
  | 'ReservedFunctionConcurrentInvocationLimitExceeded'
  | 'FunctionInvocationRateLimitExceeded'
  | 'CallerRateLimitExceeded';

/**
 * Concurrency exhausted; `Reason` says which limit (account, reserved concurrency). Also a
 * code upload over 1 MB while `--upload-concurrency` uploads are read and 32 more wait
 * (`Reason: CallerRateLimitExceeded`, `retryAfterSeconds: 1`).
 */
export class TooManyRequestsException extends LambdaError {
  constructor(message: string, reason: ThrottleReason, retryAfterSeconds?: number) {
    // An answer under load, not a fault to trace: under a burst Gust answers as many of
    // these as it runs invokes, and capturing each one's stack was a measurable part of it.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super('TooManyRequestsException', 429, message, 'User', { Reason: reason, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds: String(retryAfterSeconds) }) });
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
  }
}

/**
 * An unexpected failure inside Gust: the cause is logged with the request id, never sent.
 * A write that found the data disk full (ENOSPC, SQLITE_FULL) says so: `No space left on
 * Gust's data disk: the change was not made. …`; AWS has no error for a full disk of its
 * own, and 500 is what SDKs retry.
 */
export class ServiceException extends LambdaError {
  constructor(message = 'An internal error occurred.') { super('ServiceException', 500, message, 'Service'); }
}

/**
 * A request that arrives, on a connection kept alive, after the server began to close: AWS's
 * common 503, which SDKs retry (on another node behind a balancer, or here once restarted).
 * Sent with `Connection: close`; the requests in flight still get their answers.
 */
export class ServiceUnavailable extends LambdaError {
  constructor() { super('ServiceUnavailable', 503, 'The server is shutting down and takes no new requests; send the request again.', 'Service'); }
}

/** No route matches the method and path; on the EventBridge API, a missing or unknown `X-Amz-Target`. */
export class UnknownOperationException extends LambdaError {
  constructor(message = 'Unknown operation') { super('UnknownOperationException', 404, message); }
}

/** A request signed with an access key no account has, or with a session token Gust did not mint or that was revoked (`The security token included in the request is invalid.`); also on the EventBridge API. */
export class UnrecognizedClientException extends LambdaError {
  constructor(message = INVALID_TOKEN) { super('UnrecognizedClientException', 403, message); }
}

/** A signature that does not match (wrong secret, altered request or body), or a signing time more than 15 minutes from Gust's clock (`Signature expired: …`). */
export class InvalidSignatureException extends LambdaError {
  constructor(message = SIGNATURE_MISMATCH) { super('InvalidSignatureException', 403, message); }
}

/** An Authorization header or presigned query that is not a well-formed SigV4 one. */
export class IncompleteSignatureException extends LambdaError {
  constructor(message: string) { super('IncompleteSignatureException', 400, message); }
}

/** An unsigned request to a server that verifies signatures (`Missing Authentication Token`). */
export class MissingAuthenticationTokenException extends LambdaError {
  constructor() { super('MissingAuthenticationTokenException', 403, 'Missing Authentication Token'); }
}

/** A function's temporary credentials past their expiry. */
export class ExpiredTokenException extends LambdaError {
  constructor() { super('ExpiredTokenException', 403, EXPIRED_TOKEN); }
}

/** The Lambda and EventBridge APIs' error for a request whose caller could not be established. */
export function lambdaAuthError(failure: AuthFailure): LambdaError {
  const d = failure.details;
  switch (failure.reason) {
    case 'missing':
      return new MissingAuthenticationTokenException();
    case 'malformed':
      return new IncompleteSignatureException('The request signature is not a well-formed AWS Signature Version 4 (Authorization header or X-Amz-* query parameters).');
    case 'unsupported':
      return new IncompleteSignatureException('Only AWS Signature Version 4 (AWS4-HMAC-SHA256) is accepted.');
    case 'unknown-key':
    case 'invalid-token':
      return new UnrecognizedClientException();
    case 'expired-token':
      return new ExpiredTokenException();
    case 'skew':
    case 'presign-expired':
      return new InvalidSignatureException(signatureExpiredMessage(d));
    case 'signature':
    case 'payload-hash':
      return new InvalidSignatureException();
  }
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

/**
 * What a client hears when Gust's state database (PostgreSQL, in cluster mode) could not be
 * reached or dropped the connection mid-request. The outcome of a write whose connection
 * broke during its commit is unknown to Gust too, so the message does not claim either way;
 * 500 is what SDKs retry, and every store write is safe to repeat.
 */
export function stateDatabaseUnavailable(cause: unknown): ServiceException {
  const err = new ServiceException("Gust's state database (PostgreSQL) is unavailable: the request could not be completed. Retry; if it persists, check the database and Gust's connection to it.");
  err.cause = cause;
  return err;
}
