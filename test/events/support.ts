/**
 * Shared pieces of the events suites: an EventBridge SDK client for a test server, and one
 * matching and one non-matching event detail for every pattern operator.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { AddPermissionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { TestGust } from '../helpers/gust.js';

/** The ARN of a rule of the default bus, less its name. */
export const RULE_ARN_PREFIX = 'arn:aws:events:us-east-1:000000000000:rule/';

/** The real SDK client, pointed at the server's Lambda API port, with dummy credentials. */
export function eventBridgeClient(t: TestGust): EventBridgeClient {
  return new EventBridgeClient({
    endpoint: t.url,
    region: t.config.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}

export interface OperatorCase {
  name: string;
  /** The pattern for the event's `detail`. */
  pattern: Record<string, unknown>;
  /** A detail it matches. */
  match: Record<string, unknown>;
  /** A detail it does not match. */
  miss: Record<string, unknown>;
}

/** One case per content-filtering operator (and nesting, arrays and $or). */
export const EVENT_OPERATOR_CASES: OperatorCase[] = [
  { name: 'exact-string', pattern: { state: ['running', 'pending'] }, match: { state: 'pending' }, miss: { state: 'stopped' } },
  { name: 'exact-number', pattern: { count: [5] }, match: { count: 5 }, miss: { count: '5' } },
  { name: 'exact-boolean-null', pattern: { flag: [true, null] }, match: { flag: null }, miss: { flag: false } },
  { name: 'array-value', pattern: { tags: ['blue'] }, match: { tags: ['red', 'blue'] }, miss: { tags: ['red', 'green'] } },
  { name: 'nested', pattern: { order: { customer: { tier: ['gold'] } } }, match: { order: { customer: { tier: 'gold' } } }, miss: { order: { customer: { tier: 'silver' } } } },
  { name: 'prefix', pattern: { region: [{ prefix: 'eu-' }] }, match: { region: 'eu-west-1' }, miss: { region: 'us-east-1' } },
  { name: 'prefix-ignore-case', pattern: { region: [{ prefix: { 'equals-ignore-case': 'EU-' } }] }, match: { region: 'eu-west-1' }, miss: { region: 'us-east-1' } },
  { name: 'suffix', pattern: { file: [{ suffix: '.png' }] }, match: { file: 'a.png' }, miss: { file: 'a.PNG' } },
  { name: 'equals-ignore-case', pattern: { state: [{ 'equals-ignore-case': 'RUNNING' }] }, match: { state: 'Running' }, miss: { state: 'run' } },
  { name: 'wildcard', pattern: { path: [{ wildcard: 'logs/*/error-*.txt' }] }, match: { path: 'logs/2026/error-1.txt' }, miss: { path: 'logs/2026/info-1.txt' } },
  { name: 'anything-but', pattern: { state: [{ 'anything-but': ['stopped', 'terminated'] }] }, match: { state: 'running' }, miss: { state: 'terminated' } },
  { name: 'anything-but-number', pattern: { code: [{ 'anything-but': 404 }] }, match: { code: 200 }, miss: { code: 404 } },
  { name: 'anything-but-prefix', pattern: { region: [{ 'anything-but': { prefix: 'us-' } }] }, match: { region: 'eu-west-1' }, miss: { region: 'us-west-2' } },
  { name: 'anything-but-suffix', pattern: { file: [{ 'anything-but': { suffix: '.tmp' } }] }, match: { file: 'a.txt' }, miss: { file: 'a.tmp' } },
  { name: 'anything-but-ignore-case', pattern: { state: [{ 'anything-but': { 'equals-ignore-case': ['STOPPED'] } }] }, match: { state: 'running' }, miss: { state: 'Stopped' } },
  { name: 'numeric', pattern: { price: [{ numeric: ['>', 0, '<=', 100] }] }, match: { price: 99.5 }, miss: { price: 100.01 } },
  { name: 'numeric-equals', pattern: { price: [{ numeric: ['=', 3.018e2] }] }, match: { price: 301.8 }, miss: { price: 301 } },
  { name: 'exists', pattern: { error: [{ exists: true }] }, match: { error: 'boom' }, miss: { ok: true } },
  { name: 'not-exists', pattern: { error: [{ exists: false }] }, match: { ok: true }, miss: { error: 'boom' } },
  { name: 'cidr', pattern: { ip: [{ cidr: '10.0.0.0/24' }] }, match: { ip: '10.0.0.7' }, miss: { ip: '10.0.1.7' } },
  { name: 'or', pattern: { $or: [{ a: [1] }, { b: [{ numeric: ['>', 10] }] }] }, match: { b: 11 }, miss: { a: 2, b: 10 } },
];

/** Lets EventBridge invoke `fn` for the default bus's rule `rule`, as `aws lambda add-permission --principal events.amazonaws.com` does. */
export async function allowEvents(lambda: LambdaClient, fn: string, rule: string): Promise<void> {
  await lambda.send(new AddPermissionCommand({ FunctionName: fn, StatementId: `events-${rule}`, Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: `${RULE_ARN_PREFIX}${rule}` }));
}
