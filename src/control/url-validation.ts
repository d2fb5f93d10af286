/**
 * The checks AWS's model makes on function URL configuration requests (qualifier pattern,
 * AuthType and InvokeMode enums, the Cors structure's list sizes, lengths and ranges),
 * reported as AWS reports them: every failed constraint in one ValidationException,
 * "N validation error(s) detected: …; …".
 * Constraints: https://docs.aws.amazon.com/lambda/latest/api/API_Cors.html and
 * API_CreateFunctionUrlConfig.html. The `$LATEST` and version-number messages are the
 * ones AWS answers (as recorded by LocalStack's AWS-validated snapshots).
 */
import { validationErrors, type ConstraintViolation } from '../core/errors.js';
import type { UrlAuthType, UrlCors, UrlInvokeMode } from '../core/model/urls.js';

export const AUTH_TYPES: readonly UrlAuthType[] = ['AWS_IAM', 'NONE'];
export const INVOKE_MODES: readonly UrlInvokeMode[] = ['RESPONSE_STREAM', 'BUFFERED'];

/** What a Create or Update request gives, before validation. */
export interface UrlConfigInput {
  functionName: string;
  /** The alias, from the `Qualifier` parameter or a `:qualifier` suffix. */
  qualifier?: string | undefined;
  authType?: string | undefined;
  cors?: UrlCors | undefined;
  invokeMode?: string | undefined;
}

const ALIAS_QUALIFIER_RE = /^(?!^[0-9]+$)[a-zA-Z0-9\-_]+$/;

/** Collects failed constraints: AWS reports them all in one ValidationException. */
class Violations {
  private readonly list: ConstraintViolation[] = [];

  add(value: unknown, field: string, constraint: string): void {
    this.list.push({ value, field, constraint });
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw validationErrors(this.list);
  }
}

/**
 * A URL belongs to the unqualified function or to an alias. AWS refuses `$LATEST` and
 * version numbers with a ValidationException, each with its own pattern in the message.
 */
function checkQualifier(v: Violations, qualifier: string | undefined): void {
  if (qualifier === undefined) return;
  if (qualifier === '$LATEST') {
    v.add(qualifier, 'qualifier', 'Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)');
  } else if (qualifier.length > 128) {
    v.add(qualifier, 'qualifier', 'Member must have length less than or equal to 128');
  } else if (!ALIAS_QUALIFIER_RE.test(qualifier)) {
    v.add(qualifier, 'qualifier', 'Member must satisfy regular expression pattern: (^\\$LATEST$)|((?!^[0-9]+$)([a-zA-Z0-9-_]+))');
  }
}

function checkEnum(v: Violations, value: string | undefined, at: string, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value)) v.add(value, at, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
}

/** A list member with AWS's item count and per-item length bounds. */
function checkList(v: Violations, list: string[] | undefined, at: string, maxItems: number, minLength: number, maxLength: number): void {
  if (list === undefined) return;
  if (list.length > maxItems) v.add(list, at, `Member must have length less than or equal to ${maxItems}`);
  list.forEach((item, i) => {
    const where = `${at}.${i + 1}.member`;
    if (item.length < minLength) v.add(item, where, `Member must have length greater than or equal to ${minLength}`);
    if (item.length > maxLength) v.add(item, where, `Member must have length less than or equal to ${maxLength}`);
  });
}

function checkCors(v: Violations, cors: UrlCors | undefined): void {
  if (!cors) return;
  checkList(v, cors.allowHeaders, 'cors.allowHeaders', 100, 0, 1024);
  checkList(v, cors.allowMethods, 'cors.allowMethods', 6, 0, 6);
  checkList(v, cors.allowOrigins, 'cors.allowOrigins', 100, 1, 253);
  checkList(v, cors.exposeHeaders, 'cors.exposeHeaders', 100, 0, 1024);
  if (cors.maxAge !== undefined) {
    if (cors.maxAge < 0) v.add(cors.maxAge, 'cors.maxAge', 'Member must have value greater than or equal to 0');
    if (cors.maxAge > 86400) v.add(cors.maxAge, 'cors.maxAge', 'Member must have value less than or equal to 86400');
  }
}

/** CreateFunctionUrlConfig: AuthType is required. */
export function validateCreate(input: UrlConfigInput): { authType: UrlAuthType; invokeMode?: UrlInvokeMode } {
  const v = new Violations();
  checkQualifier(v, input.qualifier);
  if (input.authType === undefined) v.add(null, 'authType', 'Member must not be null');
  checkEnum(v, input.authType, 'authType', AUTH_TYPES);
  checkCors(v, input.cors);
  checkEnum(v, input.invokeMode, 'invokeMode', INVOKE_MODES);
  v.throwIfAny();
  return { authType: input.authType as UrlAuthType, ...(input.invokeMode === undefined ? {} : { invokeMode: input.invokeMode as UrlInvokeMode }) };
}

/** UpdateFunctionUrlConfig: every field optional. */
export function validateUpdate(input: UrlConfigInput): void {
  const v = new Violations();
  checkQualifier(v, input.qualifier);
  checkEnum(v, input.authType, 'authType', AUTH_TYPES);
  checkCors(v, input.cors);
  checkEnum(v, input.invokeMode, 'invokeMode', INVOKE_MODES);
  v.throwIfAny();
}

/** Get and Delete take only the qualifier. */
export function validateQualifier(qualifier: string | undefined): void {
  const v = new Violations();
  checkQualifier(v, qualifier);
  v.throwIfAny();
}
