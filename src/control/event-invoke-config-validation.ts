/**
 * Checks of asynchronous invocation settings with AWS's error types and messages
 * (ValidationException for the model's ranges and patterns, InvalidParameterValueException
 * for Lambda's rules; the messages are AWS's as recorded in LocalStack's AWS-validated
 * snapshots). Also the dead-letter target check that UpdateFunctionConfiguration uses.
 * https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionEventInvokeConfig.html
 */
import { InvalidParameterValueException, validationError } from '../core/errors.js';

/** AWS's defaults: two retries, six hours in the queue. */
export const DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 2;
export const DEFAULT_MAXIMUM_EVENT_AGE_SECONDS = 21_600;

/** The model's pattern for a destination ARN (`^$|arn:…`); at most 350 characters. */
const DESTINATION_ARN_RE = /^$|^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9-])+:([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)$/s;
const DESTINATION_ARN_PATTERN = '^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)';

/** A Lambda function ARN, optionally qualified: where Gust can deliver. */
export const FUNCTION_ARN_RE = /^arn:aws[a-zA-Z-]*:lambda:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):function:([a-zA-Z0-9\-_]{1,64})(?::(\$LATEST|[a-zA-Z0-9\-_]{1,128}))?$/;

const SQS_QUEUE_ARN_RE = /^arn:aws[a-zA-Z-]*:sqs:[a-z]{2}(?:-gov)?-[a-z]+-\d:\d{12}:(?:[a-zA-Z0-9_-]{1,80}|[a-zA-Z0-9_-]{1,75}\.fifo)$/;

/** What people call the services AWS can deliver invocation records to, for messages. */
const SERVICE_NAMES: Record<string, string> = {
  sqs: 'Amazon SQS queue',
  sns: 'Amazon SNS topic',
  events: 'EventBridge event bus',
  s3: 'Amazon S3 bucket',
};

/** How messages name the services Gust delivers to. */
const DELIVERABLE_NAMES: Record<string, string> = { lambda: 'Lambda functions', sqs: 'SQS queues' };

/** A destination of a DestinationConfig, as given: absent, or a member with an optional ARN. */
export interface DestinationInput {
  /** The ARN; undefined or '' for no destination. */
  destination?: string;
}

export interface DestinationConfigInput {
  onSuccess?: DestinationInput;
  onFailure?: DestinationInput;
}

/** The parts of a Lambda function ARN. */
export interface FunctionArnParts {
  region: string;
  accountId: string;
  name: string;
  qualifier?: string;
}

export function parseFunctionArn(arn: string): FunctionArnParts | undefined {
  const m = FUNCTION_ARN_RE.exec(arn);
  if (!m) return undefined;
  return { region: m[1]!, accountId: m[2]!, name: m[3]!, ...(m[4] === undefined ? {} : { qualifier: m[4] }) };
}

/** The service part of an ARN (`lambda`, `sqs`, …). */
export function arnService(arn: string): string {
  return arn.split(':')[2] ?? '';
}

export function checkRetryAttempts(value: number): void {
  if (value < 0) throw validationError(value, 'maximumRetryAttempts', 'Member must have value greater than or equal to 0');
  if (value > 2) throw validationError(value, 'maximumRetryAttempts', 'Member must have value less than or equal to 2');
}

export function checkEventAge(value: number): void {
  if (value < 60) throw validationError(value, 'maximumEventAgeInSeconds', 'Member must have value greater than or equal to 60');
  if (value > 21_600) throw validationError(value, 'maximumEventAgeInSeconds', 'Member must have value less than or equal to 21600');
}

/** The model's checks of a destination ARN: length and pattern. */
export function checkDestinationPattern(arn: string, member: 'onSuccess' | 'onFailure'): void {
  const field = `destinationConfig.${member}.destination`;
  if (arn.length > 350) throw validationError(arn, field, 'Member must have length less than or equal to 350');
  if (!DESTINATION_ARN_RE.test(arn)) throw validationError(arn, field, `Member must satisfy regular expression pattern: ${DESTINATION_ARN_PATTERN}`);
}

/** AWS's message for a destination config it refuses as a whole. */
export function invalidDestinationConfig(config: DestinationConfigInput, detail?: string): InvalidParameterValueException {
  const part = (name: 'OnSuccess' | 'OnFailure', d: DestinationInput | undefined) => (d?.destination ? `${name}(destination=${d.destination})` : 'null');
  const base = `The provided destination config DestinationConfig(onSuccess=${part('OnSuccess', config.onSuccess)}, onFailure=${part('OnFailure', config.onFailure)}) is invalid.`;
  return new InvalidParameterValueException(detail === undefined ? base : `${base} ${detail}`);
}

/**
 * Refuses, at configuration time, a destination service Gust cannot deliver to, rather
 * than accepting the configuration and dropping the records later.
 */
export function checkDeliverableService(arn: string, config: DestinationConfigInput, deliverable: ReadonlySet<string>): void {
  const service = arnService(arn);
  if (deliverable.has(service)) return;
  const known = SERVICE_NAMES[service];
  const supported = [...deliverable].map((s) => DELIVERABLE_NAMES[s] ?? s).join(' and ');
  throw invalidDestinationConfig(
    config,
    known === undefined ? undefined : `Gust cannot deliver invocation records to an ${known} (${arn}); it delivers them to ${supported} only.`,
  );
}

/**
 * DeadLetterConfig.TargetArn: an SQS queue, as on AWS, or (a Gust extension) a Lambda
 * function, which then receives each discarded event, as is, asynchronously (what the
 * queue's message body would hold). SNS topics are refused with a message that says so,
 * rather than accepted and never delivered to. An empty string removes the target.
 */
export function checkDeadLetterTarget(arn: string): void {
  if (arn === '' || parseFunctionArn(arn) || SQS_QUEUE_ARN_RE.test(arn)) return;
  const known = SERVICE_NAMES[arnService(arn)];
  throw new InvalidParameterValueException(
    `The provided DeadLetterConfig target ${arn} is not supported by Gust${known === undefined ? '' : `, which has no ${known}`}. ` +
      'Gust sends discarded events to an SQS queue (arn:aws:sqs:<region>:<account>:<queue>) or a Lambda function (arn:aws:lambda:<region>:<account>:function:<name>).',
  );
}
