/**
 * Evaluating a resource-based policy: does the policy of the function, version or alias a
 * request targets let this caller do this action? Pure: the policy and the request's
 * context in, a boolean out. The rules are IAM's as Lambda applies them to its policies
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
 * a matching Deny wins; otherwise a statement whose principal, action and every condition
 * match allows; nothing matching is an implicit deny. The resource itself is not matched
 * here: each function, version and alias has its own policy, so the caller picks the
 * policy of the exact ARN invoked (a statement of the function's own policy does not
 * reach an alias, as on AWS).
 */
import type { PolicyCondition, PolicyPrincipal, PolicyStatement, ResourcePolicy } from '../../core/model/policies.js';

/** Who is asking: an account (and, when known, the identity's ARN), an AWS service, or nobody (a public function URL). */
export type PolicyCaller = { account: string; arn?: string | undefined } | { service: string } | { anonymous: true };

/** One request to authorize, with the context keys Lambda's conditions read. */
export interface PolicyRequest {
  principal: PolicyCaller;
  /** `lambda:InvokeFunction`, `lambda:InvokeFunctionUrl`, `lambda:GetFunction`, … */
  action: string;
  /** `AWS:SourceArn`: the resource of the service that calls (a bucket, a rule, a queue). */
  sourceArn?: string | undefined;
  /** `AWS:SourceAccount`: the account that owns that resource. */
  sourceAccount?: string | undefined;
  /** `lambda:FunctionUrlAuthType`: set on requests that come through a function URL. */
  urlAuthType?: 'NONE' | 'AWS_IAM' | undefined;
  /** `aws:PrincipalOrgID`: the caller's organization. */
  principalOrgId?: string | undefined;
  /** `lambda:EventSourceToken`: what an Alexa-style invoker presents. */
  eventSourceToken?: string | undefined;
  /** `lambda:InvokedViaFunctionUrl`. */
  invokedViaFunctionUrl?: boolean | undefined;
}

/** Whether `policy` (undefined: the resource has none) allows `request`. */
export function allows(policy: Pick<ResourcePolicy, 'statements'> | undefined, request: PolicyRequest): boolean {
  if (!policy) return false;
  const matching = policy.statements.filter((s) => statementMatches(s, request));
  return matching.length > 0 && matching.every((s) => s.Effect === 'Allow');
}

/** Whether one statement applies to the request (whatever its effect). */
export function statementMatches(statement: PolicyStatement, request: PolicyRequest): boolean {
  return principalMatches(statement.Principal, request.principal) && actionMatches(statement.Action, request.action) && conditionsHold(statement.Condition, request);
}

function principalMatches(principal: PolicyPrincipal, caller: PolicyCaller): boolean {
  if (principal === '*') return true;
  if ('Service' in principal) return 'service' in caller && caller.service === principal.Service;
  const aws = principal.AWS;
  // {"AWS": "*"} is everyone too, anonymous callers included.
  if (aws === '*') return true;
  if (!('account' in caller)) return false;
  // An account is named by its root ARN (what AddPermission writes) or by its bare id; either
  // grants every identity of that account.
  const root = /^arn:aws[a-zA-Z-]*:iam::(\d{12}):root$/.exec(aws);
  if (root) return root[1] === caller.account;
  if (/^\d{12}$/.test(aws)) return aws === caller.account;
  return caller.arn !== undefined && caller.arn === aws;
}

/** IAM action names are case-insensitive, and `lambda:*` or `*` match every action. */
function actionMatches(pattern: string, action: string): boolean {
  return globMatch(pattern.toLowerCase(), action.toLowerCase());
}

/** The request's value of a condition key (keys are case-insensitive); undefined when the request has none. */
function contextValue(request: PolicyRequest, key: string): string | undefined {
  switch (key.toLowerCase()) {
    case 'aws:sourcearn':
      return request.sourceArn;
    case 'aws:sourceaccount':
      return request.sourceAccount;
    case 'lambda:functionurlauthtype':
      return request.urlAuthType;
    case 'aws:principalorgid':
      return request.principalOrgId;
    case 'lambda:eventsourcetoken':
      return request.eventSourceToken;
    case 'lambda:invokedviafunctionurl':
      return request.invokedViaFunctionUrl === undefined ? undefined : String(request.invokedViaFunctionUrl);
    case 'aws:principalaccount':
      return 'account' in request.principal ? request.principal.account : undefined;
    case 'aws:principalarn':
      return 'account' in request.principal ? request.principal.arn : undefined;
    default:
      return undefined;
  }
}

type ValueTest = (actual: string, expected: string) => boolean;

/** The operators Lambda's statements use, and their negations; `…IfExists` is handled around them. */
const OPERATORS: Record<string, { test: ValueTest; negated: boolean }> = {
  StringEquals: { test: (a, e) => a === e, negated: false },
  StringNotEquals: { test: (a, e) => a === e, negated: true },
  StringEqualsIgnoreCase: { test: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { test: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: true },
  StringLike: { test: (a, e) => globMatch(e, a), negated: false },
  StringNotLike: { test: (a, e) => globMatch(e, a), negated: true },
  ArnEquals: { test: (a, e) => arnMatches(e, a), negated: false },
  ArnLike: { test: (a, e) => arnMatches(e, a), negated: false },
  ArnNotEquals: { test: (a, e) => arnMatches(e, a), negated: true },
  ArnNotLike: { test: (a, e) => arnMatches(e, a), negated: true },
  Bool: { test: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: false },
};

/**
 * Every condition must hold. A positive operator fails when the request lacks the key, a
 * negated one holds, and `…IfExists` holds for a missing key either way (IAM's rules). An
 * operator Gust does not know makes the statement not apply: failing closed.
 */
function conditionsHold(condition: PolicyCondition | undefined, request: PolicyRequest): boolean {
  if (!condition) return true;
  return Object.entries(condition).every(([rawOperator, keys]) => {
    const ifExists = rawOperator.endsWith('IfExists');
    const operator = OPERATORS[ifExists ? rawOperator.slice(0, -'IfExists'.length) : rawOperator];
    if (!operator) return false;
    return Object.entries(keys).every(([key, expected]) => {
      const actual = contextValue(request, key);
      if (actual === undefined) return ifExists || operator.negated;
      const values = Array.isArray(expected) ? expected : [expected];
      const any = values.some((e) => operator.test(actual, e));
      return operator.negated ? !any : any;
    });
  });
}

/** `*` matches any run of characters, `?` any one; everything else literally (case-sensitive). */
export function globMatch(pattern: string, value: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]');
  return new RegExp(`^${source}$`).test(value);
}

/**
 * ArnLike: each of the six colon-separated parts is matched on its own, so a wildcard never
 * spills from one part into the next (`arn:aws:s3:::*` matches every bucket, never a
 * Lambda ARN). A value that is not an ARN matches only a pattern that is not one either.
 */
export function arnMatches(pattern: string, arn: string): boolean {
  const p = arnParts(pattern);
  const a = arnParts(arn);
  // A pattern that is not shaped as an ARN (`*`) is matched as a whole.
  if (!p) return globMatch(pattern, arn);
  if (!a) return false;
  return p.every((part, i) => globMatch(part, a[i]!));
}

function arnParts(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}
