import { describe, expect, it } from 'vitest';
import { TooManyRequestsException, ValidationException, validationError, validationErrors, violationMessage } from './errors.js';

describe('validationError', () => {
  it("words one violation as AWS does: the value quoted, null bare, or left out", () => {
    const quoted = validationError('bad name', 'name', 'Member must have length less than or equal to 64');
    expect(quoted).toBeInstanceOf(ValidationException);
    expect(quoted.message).toBe("1 validation error detected: Value 'bad name' at 'name' failed to satisfy constraint: Member must have length less than or equal to 64");
    expect(validationError(null, 'role', 'Member must not be null').message).toBe("1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null");
    expect(validationError(undefined, 'entries', 'Member must have length between 1 and 10').message).toBe(
      "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10",
    );
    expect(validationError(0, 'limit', 'Member must have value greater than or equal to 1').message).toBe(
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
  });

  it('shows a list as [a, b]', () => {
    expect(violationMessage({ value: ['x86_64', 'arm64'], field: 'architectures', constraint: 'Member must have length less than or equal to 1' })).toBe(
      "Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1",
    );
  });

  it('counts several violations and joins them with "; "', () => {
    const err = validationErrors([
      { value: null, field: 'authType', constraint: 'Member must not be null' },
      { value: -1, field: 'cors.maxAge', constraint: 'Member must have value greater than or equal to 0' },
    ]);
    expect(err.message).toBe(
      "2 validation errors detected: Value null at 'authType' failed to satisfy constraint: Member must not be null; Value '-1' at 'cors.maxAge' failed to satisfy constraint: Member must have value greater than or equal to 0",
    );
  });
});

describe('TooManyRequestsException', () => {
  it('carries no stack frames, and leaves the stack-trace limit as it found it', () => {
    const before = Error.stackTraceLimit;
    const err = new TooManyRequestsException('Rate Exceeded.', 'ReservedFunctionConcurrentInvocationLimitExceeded');
    expect(err.stack).toBe('TooManyRequestsException: Rate Exceeded.');
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error('x').stack).toMatch(/\n {4}at /);
  });
});
