/**
 * EventBridge's own error types, beside the shared catalog in core/errors.ts. They are
 * LambdaErrors so that every renderer knows their type and message; the EventBridge API
 * (awsJson1_1) answers every user error with status 400 whatever `status` says, so the
 * statuses here only matter to a renderer of another protocol.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/CommonErrors.html
 */
import { LambdaError, ValidationException } from '../../core/errors.js';

/** A malformed `EventPattern`: `Event pattern is not valid. Reason: <reason>`, with AWS's reasons. */
export class InvalidEventPatternException extends LambdaError {
  constructor(reason: string) {
    super('InvalidEventPatternException', 400, `Event pattern is not valid. Reason: ${reason}`);
  }
}

/** A quota of EventBridge: a sixth target on a rule. */
export class LimitExceededException extends LambdaError {
  constructor(message = 'The requested resource exceeds the maximum number allowed.') {
    super('LimitExceededException', 400, message);
  }
}

/** AWS's one answer to every malformed ScheduleExpression: it gives no reason. */
export function invalidScheduleExpression(): ValidationException {
  return new ValidationException('Parameter ScheduleExpression is not valid.');
}
