/**
 * What AddPermission and RemovePermission take, and the API model's constraints on it,
 * checked before anything is looked up and reported together as AWS reports them
 * ("N validation errors detected: …"). The patterns are the Lambda API model's
 * (https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html).
 */
import { validationErrors, type ConstraintViolation } from '../../core/errors.js';

/** AddPermission, as the HTTP layer parses it. */
export interface AddPermissionInput {
  functionName: string;
  qualifier?: string | undefined;
  statementId?: string | undefined;
  action?: string | undefined;
  principal?: string | undefined;
  sourceArn?: string | undefined;
  sourceAccount?: string | undefined;
  eventSourceToken?: string | undefined;
  principalOrgId?: string | undefined;
  functionUrlAuthType?: string | undefined;
  invokedViaFunctionUrl?: boolean | undefined;
  revisionId?: string | undefined;
}

/** RemovePermission, as the HTTP layer parses it. */
export interface RemovePermissionInput {
  functionName: string;
  qualifier?: string | undefined;
  statementId: string;
  revisionId?: string | undefined;
}

export const STATEMENT_ID_PATTERN = '([a-zA-Z0-9-_.]+)';
const ACTION_PATTERN = '(lambda:[*]|lambda:[a-zA-Z]+|[*])';
const PRINCIPAL_PATTERN = '[^\\s]+';
const SOURCE_ARN_PATTERN = 'arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}(-gov)?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)';
const SOURCE_ACCOUNT_PATTERN = '\\d{12}';
const EVENT_SOURCE_TOKEN_PATTERN = '[a-zA-Z0-9._\\-]+';
const ORG_ID_PATTERN = '^o-[a-z0-9]{10,32}$';

/** The model's patterns match the whole value (Java's `matches`). */
function whole(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

/** Violations of a statement id (AddPermission's body member, RemovePermission's path). */
export function statementIdViolations(value: string | undefined): ConstraintViolation[] {
  if (value === undefined) return [{ value: null, field: 'statementId', constraint: 'Member must not be null' }];
  const out: ConstraintViolation[] = [];
  if (value.length < 1) out.push({ value, field: 'statementId', constraint: 'Member must have length greater than or equal to 1' });
  if (value.length > 100) out.push({ value, field: 'statementId', constraint: 'Member must have length less than or equal to 100' });
  if (!whole(STATEMENT_ID_PATTERN).test(value)) out.push({ value, field: 'statementId', constraint: `Member must satisfy regular expression pattern: ${STATEMENT_ID_PATTERN}` });
  return out;
}

function required(out: ConstraintViolation[], value: string | undefined, field: string, pattern: string): void {
  if (value === undefined) out.push({ value: null, field, constraint: 'Member must not be null' });
  else if (!whole(pattern).test(value)) out.push({ value, field, constraint: `Member must satisfy regular expression pattern: ${pattern}` });
}

function optional(out: ConstraintViolation[], value: string | undefined, field: string, pattern: string, min?: number, max?: number): void {
  if (value === undefined) return;
  if (min !== undefined && value.length < min) out.push({ value, field, constraint: `Member must have length greater than or equal to ${min}` });
  if (max !== undefined && value.length > max) out.push({ value, field, constraint: `Member must have length less than or equal to ${max}` });
  if (!whole(pattern).test(value)) out.push({ value, field, constraint: `Member must satisfy regular expression pattern: ${pattern}` });
}

/** Throws AWS's ValidationException naming every constraint the request fails. */
export function checkAddPermission(input: AddPermissionInput): void {
  const out = statementIdViolations(input.statementId);
  required(out, input.action, 'action', ACTION_PATTERN);
  required(out, input.principal, 'principal', PRINCIPAL_PATTERN);
  optional(out, input.sourceArn, 'sourceArn', SOURCE_ARN_PATTERN);
  optional(out, input.sourceAccount, 'sourceAccount', SOURCE_ACCOUNT_PATTERN, undefined, 12);
  optional(out, input.eventSourceToken, 'eventSourceToken', EVENT_SOURCE_TOKEN_PATTERN, 0, 256);
  optional(out, input.principalOrgId, 'principalOrgID', ORG_ID_PATTERN, 12, 34);
  const authType = input.functionUrlAuthType;
  if (authType !== undefined && authType !== 'NONE' && authType !== 'AWS_IAM') {
    out.push({ value: authType, field: 'functionUrlAuthType', constraint: 'Member must satisfy enum value set: [AWS_IAM, NONE]' });
  }
  if (out.length > 0) throw validationErrors(out);
}

/** Throws AWS's ValidationException when RemovePermission's statement id fails the model. */
export function checkRemovePermission(input: RemovePermissionInput): void {
  const out = statementIdViolations(input.statementId);
  if (out.length > 0) throw validationErrors(out);
}
