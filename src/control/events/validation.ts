/**
 * The constraints of the EventBridge API model that Gust checks, with AWS's messages:
 * names, states, lengths, event buses, targets and paging.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html
 */
import type { Partition } from '../../core/arn.js';
import { ResourceNotFoundException, validationError, ValidationException, violationMessage } from '../../core/errors.js';
import type { RuleState, TargetRecord } from '../../core/model/rules.js';
import { parseInputPath } from './target-input.js';

export const DEFAULT_BUS = 'default';
export const MAX_TARGETS_PER_RULE = 5;

const NAME_RE = /^[.\-_A-Za-z0-9]+$/;
const STATES: readonly RuleState[] = ['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'];

/** A rule or target name: 1-64 of `[.-_A-Za-z0-9]`. */
export function checkName(value: string, field: string): void {
  if (value.length < 1) throw validationError(value, field, 'Member must have length greater than or equal to 1');
  if (value.length > 64) throw validationError(value, field, 'Member must have length less than or equal to 64');
  if (!NAME_RE.test(value)) throw validationError(value, field, 'Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+');
}

export function checkMaxLength(value: string | undefined, field: string, max: number): void {
  if (value !== undefined && value.length > max) throw validationError(value, field, `Member must have length less than or equal to ${max}`);
}

export function checkState(value: string | undefined): RuleState {
  if (value === undefined) return 'ENABLED';
  if (!(STATES as readonly string[]).includes(value)) {
    throw validationError(value, 'state', `Member must satisfy enum value set: [${STATES.join(', ')}]`);
  }
  return value as RuleState;
}

/**
 * The event bus a request names (by name or ARN). Gust has one bus, `default`; any other
 * is answered as AWS answers a bus that does not exist.
 */
export function resolveBus(partition: Partition, nameOrArn: string | undefined): string {
  if (nameOrArn === undefined || nameOrArn === DEFAULT_BUS) return DEFAULT_BUS;
  const arn = /^arn:aws[a-z-]*:events:([^:]*):([^:]*):event-bus\/(.+)$/.exec(nameOrArn);
  const name = arn ? arn[3]! : nameOrArn;
  if (name === DEFAULT_BUS && (!arn || (arn[1] === partition.region && arn[2] === partition.accountId))) return DEFAULT_BUS;
  throw new ResourceNotFoundException(`Event bus ${name} does not exist.`);
}

export function ruleArn(partition: Partition, bus: string, name: string): string {
  // The default bus's rules omit the bus from their ARN; others include it.
  const path = bus === DEFAULT_BUS ? name : `${bus}/${name}`;
  return `arn:aws:events:${partition.region}:${partition.accountId}:rule/${path}`;
}

export function ruleNotFound(name: string, bus: string): ResourceNotFoundException {
  return new ResourceNotFoundException(`Rule ${name} does not exist on EventBus ${bus}.`);
}

/** A target as PutTargets gives it, before validation. */
export interface TargetInput {
  id: string;
  arn: string;
  input?: string;
  inputPath?: string;
  /** AWS target fields present in the request that Gust cannot honour (InputTransformer, …). */
  unsupported?: string[];
}

/** One refused entry of PutTargets or RemoveTargets. */
export interface FailedTargetEntry {
  targetId: string;
  errorCode: string;
  errorMessage: string;
}

const LAMBDA_ARN_RE = /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([a-zA-Z0-9\-_]{1,64})(?::(\$LATEST|[a-zA-Z0-9\-_]+))?$/;
const SQS_ARN_RE = /^arn:aws[a-zA-Z-]*:sqs:([a-z0-9-]+):(\d{12}):([a-zA-Z0-9_-]{1,80}|[a-zA-Z0-9_-]{1,75}\.fifo)$/;

/** Why Gust cannot accept a target, or undefined when it can. */
export function targetProblem(partition: Partition, t: TargetInput, index: number): string | undefined {
  const field = `targets.${index + 1}.member`;
  if (t.id.length < 1 || t.id.length > 64) return violationMessage({ value: t.id, field: `${field}.id`, constraint: 'Member must have length less than or equal to 64' });
  if (!NAME_RE.test(t.id)) return violationMessage({ value: t.id, field: `${field}.id`, constraint: 'Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+' });
  const target = LAMBDA_ARN_RE.exec(t.arn) ?? SQS_ARN_RE.exec(t.arn);
  if (!target) {
    if (!/^arn:aws[a-zA-Z-]*:[a-z0-9-]+:/.test(t.arn)) return `Parameter ${t.arn} is not valid. Reason: Provided Arn is not in correct format.`;
    return `Target ${t.arn} is not supported: Gust delivers events to Lambda functions (arn:aws:lambda:${partition.region}:${partition.accountId}:function:<name>) and SQS queues (arn:aws:sqs:${partition.region}:${partition.accountId}:<queue>) only.`;
  }
  // A FIFO queue needs SqsParameters.MessageGroupId, which Gust does not take.
  if (t.arn.endsWith('.fifo')) return `Target ${t.arn} is not supported: Gust delivers events to standard SQS queues only.`;
  if (target[1] !== partition.region || target[2] !== partition.accountId) {
    return `Target ${t.arn} is not in this Gust's region and account (${partition.region}, ${partition.accountId}).`;
  }
  if (t.unsupported && t.unsupported.length > 0) return `Target parameter(s) ${t.unsupported.join(', ')} are not supported by Gust.`;
  if (t.input !== undefined && t.inputPath !== undefined) return 'Only one of Input, InputPath, or InputTransformer must be provided.';
  if (t.input !== undefined) {
    if (t.input.length > 8192) return `Input for target ${t.id} is longer than 8192 characters.`;
    try {
      JSON.parse(t.input);
    } catch {
      return `Input for target ${t.id} is not valid JSON text.`;
    }
  }
  if (t.inputPath !== undefined) {
    const parsed = parseInputPath(t.inputPath);
    if (t.inputPath.length > 256 || !Array.isArray(parsed)) {
      return `InputPath for target ${t.id} is not a valid JSONPath${Array.isArray(parsed) ? '' : `: ${parsed.invalid}`}.`;
    }
  }
  return undefined;
}

/** The stored form of an accepted target. */
export function targetRecord(t: TargetInput): TargetRecord {
  return {
    id: t.id,
    arn: t.arn,
    ...(t.input === undefined ? {} : { input: t.input }),
    ...(t.inputPath === undefined ? {} : { inputPath: t.inputPath }),
  };
}

/** Limit (1-100, default 100) of the List operations. */
export function checkLimit(limit: number | undefined): number {
  if (limit === undefined) return 100;
  if (!Number.isInteger(limit) || limit < 1) throw validationError(limit, 'limit', 'Member must have value greater than or equal to 1');
  if (limit > 100) throw validationError(limit, 'limit', 'Member must have value less than or equal to 100');
  return limit;
}

/** NextToken: the last name of the previous page, opaque to clients. */
export function encodeToken(lastName: string): string {
  return Buffer.from(JSON.stringify({ after: lastName }), 'utf8').toString('base64');
}

export function decodeToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through to the error below
  }
  throw new ValidationException('The NextToken provided is invalid.');
}

/** One page of `items` (ordered by `key`) after the token's name. */
export function page<T>(items: T[], key: (item: T) => string, nextToken: string | undefined, limit: number | undefined): { items: T[]; nextToken?: string } {
  const after = decodeToken(nextToken);
  const size = checkLimit(limit);
  const rest = after === undefined ? items : items.filter((i) => key(i) > after);
  const slice = rest.slice(0, size);
  return rest.length > size ? { items: slice, nextToken: encodeToken(key(slice[slice.length - 1]!)) } : { items: slice };
}
