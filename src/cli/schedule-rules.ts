/**
 * Schedule rules as the CLI sees them: EventBridge rules with a ScheduleExpression, each
 * with its targets, read through the EventBridge API a page at a time; and the rule name
 * `gust schedule` derives from a function and an expression.
 */
import { createHash } from 'node:crypto';
import { ListRulesCommand, ListTargetsByRuleCommand, type EventBridgeClient, type Rule, type Target } from '@aws-sdk/client-eventbridge';

/** A scheduled rule and its targets. */
export interface ScheduleRule {
  rule: Rule;
  targets: Target[];
}

/** Rule names are at most 64 characters; the derived name ends in `-` and 8 hex digits. */
const MAX_RULE_NAME = 64;
const HASH_CHARS = 8;

/**
 * `<function>-<hash>`: the same function, qualifier and expression always give the same
 * rule (so running `gust schedule` again updates it), and different expressions give
 * different rules (so one function can have several schedules).
 */
export function scheduleRuleName(functionName: string, expression: string, qualifier: string | undefined): string {
  const hash = createHash('sha256').update(`${expression}\n${qualifier ?? ''}`).digest('hex').slice(0, HASH_CHARS);
  return `${functionName.slice(0, MAX_RULE_NAME - HASH_CHARS - 1)}-${hash}`;
}

/** The function name in a Lambda function ARN (`…:function:<name>[:<qualifier>]`), if it is one. */
export function functionNameOf(arn: string | undefined): string | undefined {
  return /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(arn ?? '')?.[1];
}

/** A function as a user names it on the command line. */
export interface FunctionRef {
  /** The name or ARN without its qualifier, as the Lambda API takes it. */
  base: string;
  /** The function's name alone. */
  name: string;
  qualifier?: string;
}

/** Reads `name`, `name:qualifier`, or a function ARN with or without a qualifier. */
export function parseFunctionRef(ref: string): FunctionRef {
  const arn = /^(arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+))(?::([^:]+))?$/.exec(ref);
  if (arn) return { base: arn[1]!, name: arn[2]!, ...(arn[3] === undefined ? {} : { qualifier: arn[3] }) };
  const plain = /^([^:]+):([^:]+)$/.exec(ref);
  if (plain) return { base: plain[1]!, name: plain[1]!, qualifier: plain[2]! };
  // A bare name, or a form the server is left to accept or refuse.
  return { base: ref, name: ref };
}

/** Every rule on the default bus that has a ScheduleExpression, with its targets. */
export async function listScheduleRules(events: EventBridgeClient): Promise<ScheduleRule[]> {
  const rules: Rule[] = [];
  let nextToken: string | undefined;
  do {
    const page = await events.send(new ListRulesCommand({ NextToken: nextToken }));
    rules.push(...(page.Rules ?? []).filter((r) => r.ScheduleExpression !== undefined));
    nextToken = page.NextToken;
  } while (nextToken);
  return Promise.all(rules.map(async (rule) => ({ rule, targets: await listTargets(events, rule.Name!) })));
}

/** Every target of one rule. */
export async function listTargets(events: EventBridgeClient, ruleName: string): Promise<Target[]> {
  const targets: Target[] = [];
  let nextToken: string | undefined;
  do {
    const page = await events.send(new ListTargetsByRuleCommand({ Rule: ruleName, NextToken: nextToken }));
    targets.push(...(page.Targets ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return targets;
}
