/**
 * Building the statement AddPermission adds, and the document GetPolicy returns, in the
 * shapes Lambda writes them (AWS's own examples, botocore's `examples-1.json` for
 * AddPermission and GetPolicy, and the Lambda developer guide's
 * access-control-resource-based page): principals normalised (an account id becomes its
 * root ARN, a service domain a `Service` principal), the function ARN with its qualifier as
 * `Resource`, and the optional members as conditions.
 */
import { InvalidParameterValueException, PolicyLengthExceededException } from '../../core/errors.js';
import type { PolicyCondition, PolicyPrincipal, PolicyStatement, ResourcePolicy } from '../../core/model/policies.js';
import type { AddPermissionInput } from './permission-input.js';

/** Lambda's limit on one resource's policy document. */
export const POLICY_SIZE_LIMIT = 20480;

const INVALID_PRINCIPAL = 'The provided principal was invalid. Please check the principal and try again.';

/**
 * Service principals: `s3.amazonaws.com`, `events.amazonaws.com`, `sqs.amazonaws.com`,
 * the China partition's `.amazonaws.com.cn`, and the `*.amazon.com` ones (Alexa).
 */
const SERVICE_RE = /^[a-z0-9][a-z0-9.-]*\.(amazonaws\.com(\.cn)?|amazon\.com)$/;
/** An IAM identity: an account root, a user or a role, or an STS assumed-role session. */
const IDENTITY_ARN_RE = /^arn:aws[a-zA-Z-]*:(iam::\d{12}:(root|user\/.+|role\/.+)|sts::\d{12}:assumed-role\/.+)$/;

/** The Principal member as Lambda writes it, or AWS's InvalidParameterValueException. */
export function principalOf(principal: string): PolicyPrincipal {
  if (principal === '*') return '*';
  if (/^\d{12}$/.test(principal)) return { AWS: `arn:aws:iam::${principal}:root` };
  if (IDENTITY_ARN_RE.test(principal)) return { AWS: principal };
  if (SERVICE_RE.test(principal)) return { Service: principal };
  throw new InvalidParameterValueException(INVALID_PRINCIPAL);
}

/**
 * The conditions of the optional members. StringEquals comes before ArnLike, as in Lambda's
 * own documents; `SourceArn` is compared with ArnLike, so it may hold wildcards.
 */
function conditionOf(input: AddPermissionInput): PolicyCondition | undefined {
  const equals: Record<string, string> = {};
  if (input.sourceAccount !== undefined) equals['AWS:SourceAccount'] = input.sourceAccount;
  if (input.principalOrgId !== undefined) equals['aws:PrincipalOrgID'] = input.principalOrgId;
  if (input.eventSourceToken !== undefined) equals['lambda:EventSourceToken'] = input.eventSourceToken;
  if (input.functionUrlAuthType !== undefined) equals['lambda:FunctionUrlAuthType'] = input.functionUrlAuthType;
  const condition: PolicyCondition = {};
  if (Object.keys(equals).length > 0) condition.StringEquals = equals;
  if (input.sourceArn !== undefined) condition.ArnLike = { 'AWS:SourceArn': input.sourceArn };
  if (input.invokedViaFunctionUrl === true) condition.Bool = { 'lambda:InvokedViaFunctionUrl': 'true' };
  return Object.keys(condition).length > 0 ? condition : undefined;
}

/** Whether an action names `action` itself or every Lambda action. */
function covers(action: string, named: string): boolean {
  const a = action.toLowerCase();
  return a === named.toLowerCase() || a === 'lambda:*' || a === '*';
}

/**
 * The statement AddPermission adds to the policy of `resource` (the function's ARN, with
 * the qualifier when there is one). The input has passed `checkAddPermission`.
 */
export function buildStatement(input: AddPermissionInput, resource: string): PolicyStatement {
  const action = input.action!;
  // The two function URL members are conditions of one action each; elsewhere they would be a statement that never applies.
  if (input.functionUrlAuthType !== undefined && !covers(action, 'lambda:InvokeFunctionUrl')) {
    throw new InvalidParameterValueException('FunctionUrlAuthType is only supported for the lambda:InvokeFunctionUrl action.');
  }
  if (input.invokedViaFunctionUrl === true && !covers(action, 'lambda:InvokeFunction')) {
    throw new InvalidParameterValueException('InvokedViaFunctionUrl is only supported for the lambda:InvokeFunction action.');
  }
  const condition = conditionOf(input);
  return {
    Sid: input.statementId!,
    Effect: 'Allow',
    Principal: principalOf(input.principal!),
    Action: action,
    Resource: resource,
    ...(condition === undefined ? {} : { Condition: condition }),
  };
}

/** The policy document GetPolicy returns, as the JSON string Lambda sends (no spaces). */
export function policyDocument(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: statements });
}

/** Refuses a policy whose document would pass Lambda's 20 KB. */
export function checkPolicySize(policy: ResourcePolicy): void {
  const size = Buffer.byteLength(policyDocument(policy.statements));
  if (size > POLICY_SIZE_LIMIT) throw new PolicyLengthExceededException(`The final policy size (${size}) is bigger than the limit (${POLICY_SIZE_LIMIT}).`);
}
