/**
 * CreateEventSourceMapping's and UpdateEventSourceMapping's checks for SQS sources, with
 * AWS's error types: ValidationException for the model's ranges and patterns,
 * InvalidParameterValueException for Lambda's rules (batch size against the window and
 * the queue type, the queue's visibility timeout against the function's timeout, filter
 * patterns, parameters that only other sources take).
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
 */
import { InvalidParameterValueException, ValidationException } from '../../core/errors.js';
import { compilePattern } from '../events/pattern.js';

/** A request's settings, camelCased; absent members were not given. */
export interface MappingSettingsInput {
  enabled?: boolean;
  batchSize?: number;
  maximumBatchingWindowInSeconds?: number;
  /** FilterCriteria.Filters[].Pattern; an empty list removes the filters. */
  filters?: (string | undefined)[];
  functionResponseTypes?: string[];
  /** ScalingConfig: `{}` removes MaximumConcurrency. */
  scalingConfig?: { maximumConcurrency?: number };
  destinationConfig?: { onSuccess?: string; onFailure?: string };
  /** Members AWS takes for other kinds of source, present in the request. */
  otherSourceParameters?: string[];
}

const MAX_BATCH_SIZE = 10_000;
const MAX_FIFO_BATCH_SIZE = 10;
export const DEFAULT_BATCH_SIZE = 10;
const MAX_FILTERS = 5;
const MAX_PATTERN_LENGTH = 4096;

const EVENT_SOURCE_ARN_RE = /^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)$/;

function constraint(value: unknown, field: string, rule: string): ValidationException {
  return new ValidationException(`1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: ${rule}`);
}

function range(value: number | undefined, field: string, min: number, max: number): void {
  if (value === undefined) return;
  if (value < min) throw constraint(value, field, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw constraint(value, field, `Member must have value less than or equal to ${max}`);
}

export function checkEventSourceArnPattern(arn: string): void {
  if (arn.length < 12 || arn.length > 1024 || !EVENT_SOURCE_ARN_RE.test(arn)) {
    throw constraint(arn, 'eventSourceArn', 'Member must satisfy regular expression pattern: arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}(-gov)?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)');
  }
}

/** The model's checks of the settings members, before any rule that needs the queue. */
export function checkSettingsShape(input: MappingSettingsInput): void {
  for (const name of input.otherSourceParameters ?? []) {
    throw new InvalidParameterValueException(`Unsupported ${name} parameter for given event source mapping type.`);
  }
  range(input.batchSize, 'batchSize', 1, MAX_BATCH_SIZE);
  range(input.maximumBatchingWindowInSeconds, 'maximumBatchingWindowInSeconds', 0, 300);
  range(input.scalingConfig?.maximumConcurrency, 'scalingConfig.maximumConcurrency', 2, 1000);
  for (const type of input.functionResponseTypes ?? []) {
    if (type !== 'ReportBatchItemFailures') throw constraint(`[${input.functionResponseTypes!.join(', ')}]`, 'functionResponseTypes', 'Member must satisfy enum value set: [ReportBatchItemFailures]');
  }
  if (input.filters) {
    if (input.filters.length > MAX_FILTERS) throw new InvalidParameterValueException(`FilterCriteria may hold at most ${MAX_FILTERS} filters.`);
    input.filters.forEach((pattern, i) => {
      if (pattern !== undefined && pattern.length > MAX_PATTERN_LENGTH) {
        throw constraint(pattern, `filterCriteria.filters.${i + 1}.member.pattern`, `Member must have length less than or equal to ${MAX_PATTERN_LENGTH}`);
      }
    });
  }
  if (input.destinationConfig?.onSuccess) throw new InvalidParameterValueException('Unsupported DestinationConfig parameter for given event source mapping type.');
}

/** Lambda's rules between a mapping's settings, its queue and its function. */
export function checkSqsRules(settings: { batchSize: number; maximumBatchingWindowInSeconds: number }, queue: { fifo: boolean; visibilityTimeoutSeconds: number }, functionTimeoutSeconds: number): void {
  if (queue.fifo) {
    if (settings.batchSize > MAX_FIFO_BATCH_SIZE) throw new InvalidParameterValueException(`BatchSize must be between 1 and ${MAX_FIFO_BATCH_SIZE} for FIFO queues.`);
    if (settings.maximumBatchingWindowInSeconds > 0) throw new InvalidParameterValueException('Batching window is not supported for FIFO queues.');
  }
  if (settings.batchSize > 10 && settings.maximumBatchingWindowInSeconds < 1) {
    throw new InvalidParameterValueException('Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10');
  }
  if (queue.visibilityTimeoutSeconds < functionTimeoutSeconds) {
    throw new InvalidParameterValueException(`Queue visibility timeout: ${queue.visibilityTimeoutSeconds} seconds is less than Function timeout: ${functionTimeoutSeconds} seconds`);
  }
}

/** Compiles each filter pattern with the EventBridge engine; a bad one is AWS's "Invalid filter pattern definition." */
export function checkFilters(filters: (string | undefined)[]): string[] {
  return filters.map((pattern) => {
    if (pattern === undefined) throw new InvalidParameterValueException('Invalid filter pattern definition.');
    try {
      compilePattern(pattern);
    } catch {
      throw new InvalidParameterValueException('Invalid filter pattern definition.');
    }
    return pattern;
  });
}
