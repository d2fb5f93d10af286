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
