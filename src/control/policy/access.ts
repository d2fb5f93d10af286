/**
 * The decisions the request paths make with a resource policy, on top of `allows`: who may
 * invoke a function, and whether a function URL without authentication is public. Kept
 * pure, so that the invoke path (cross-account Invoke, once requests carry accounts) and
 * the triggers (S3, EventBridge, SQS service principals) call the same rules.
 */
import type { ResourcePolicy } from '../../core/model/policies.js';
import { allows, type PolicyCaller, type PolicyRequest } from './evaluate.js';

/** The context of an invoke that a service makes on a resource's behalf (a bucket's notification, a rule's target). */
export interface SourceContext {
  sourceArn?: string | undefined;
  sourceAccount?: string | undefined;
}

/**
 * Whether `caller` may call `lambda:InvokeFunction` on a function of `ownerAccount` whose
 * invoked ARN has `policy`. The owner's own account needs no statement: on AWS its
 * identities are allowed by their identity policies, and Gust has no IAM to deny them.
 */
export function mayInvoke(policy: Pick<ResourcePolicy, 'statements'> | undefined, ownerAccount: string, caller: PolicyCaller, source: SourceContext = {}): boolean {
  if ('account' in caller && caller.account === ownerAccount) return true;
  return allows(policy, { principal: caller, action: 'lambda:InvokeFunction', ...source });
}

/**
 * Whether an `AuthType NONE` function URL may be called by anyone: its function's or
 * alias's policy must allow `lambda:InvokeFunctionUrl` to everyone for NONE URLs, as the
 * statement AWS's console adds (`FunctionURLAllowPublicAccess`) does.
 * https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
 */
export const PUBLIC_URL_REQUEST: PolicyRequest = Object.freeze({ principal: Object.freeze({ anonymous: true as const }), action: 'lambda:InvokeFunctionUrl', urlAuthType: 'NONE' as const });
