/**
 * Resource-based policies of functions, versions and aliases (AddPermission, GetPolicy,
 * RemovePermission). Unlike the other records of core/model/, a statement keeps the IAM
 * policy language's own field names (`Sid`, `Principal`, `Condition`, …): the policy
 * language is the data here, GetPolicy returns it verbatim, and the evaluator reads the
 * same document a user reads.
 * https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
 */

/** `"*"`, or one kind of principal, as IAM writes them. */
export type PolicyPrincipal = '*' | { AWS: string } | { Service: string };

/** Condition operator → condition key → value(s), as IAM writes them. */
export type PolicyCondition = Record<string, Record<string, string | string[]>>;

/** One statement of a function's policy, as GetPolicy shows it. */
export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Principal: PolicyPrincipal;
  Action: string;
  /** The ARN of the function, version or alias the policy belongs to. */
  Resource: string;
  Condition?: PolicyCondition;
}

/** The policy of one function (no qualifier), published version or alias. */
export interface ResourcePolicy {
  functionName: string;
  /** A published version number or an alias name; absent for the function's own policy. */
  qualifier?: string;
  /** In the order they were added; never empty (a policy without statements is deleted). */
  statements: PolicyStatement[];
}
