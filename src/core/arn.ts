/**
 * Function names and ARNs in every form the Lambda API accepts:
 * `name`, `name:qualifier`, `123456789012:function:name[:qualifier]` and
 * `arn:aws:lambda:<region>:<account>:function:name[:qualifier]`.
 */
import { createHash } from 'node:crypto';
import { InvalidParameterValueException, ResourceNotFoundException, validationError } from './errors.js';

/** Where Gust pretends to be: the region and account that appear in ARNs. */
export interface Partition {
  region: string;
  accountId: string;
}

export interface FunctionRef {
  name: string;
  /** The qualifier given as a `:suffix` of the name, if any. */
  qualifier?: string;
}

// The AWS model's pattern for FunctionName, split into named groups.
const FUNCTION_NAME_RE =
  /^(?:arn:(?<partition>aws[a-zA-Z-]*)?:lambda:)?(?:(?<region>[a-z]{2}(?:-gov)?-[a-z]+-\d{1}):)?(?:(?<account>\d{12}):)?(?:function:)?(?<name>[a-zA-Z0-9\-_.]+)(?::(?<qualifier>\$LATEST|[a-zA-Z0-9\-_]+))?$/;

export const QUALIFIER_RE = /^(\$LATEST|[a-zA-Z0-9\-_]+)$/;
const PLAIN_NAME_RE = /^[a-zA-Z0-9\-_]{1,64}$/;
export const VERSION_RE = /^(\$LATEST|[0-9]+)$/;
export const ALIAS_NAME_RE = /^(?!^[0-9]+$)([a-zA-Z0-9\-_]+)$/;

/**
 * Parses a FunctionName path or body parameter. A region or account in an ARN that is
 * not Gust's own is refused as AWS refuses a cross-account reference.
 */
export function parseFunctionName(input: string, partition: Partition): FunctionRef {
  if (input.length === 0 || input.length > 170) {
    throw validationError(input, 'functionName', 'Member must have length less than or equal to 170');
  }
  const m = FUNCTION_NAME_RE.exec(input);
  const g = m?.groups;
  if (!g || !g.name) {
    throw validationError(input, 'functionName', 'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?');
  }
  // A bare "name:qualifier" matches the pattern with the name in the account slot only when
  // the name is 12 digits; that reading is what AWS takes too.
  if (g.region && g.region !== partition.region) {
    throw new ResourceNotFoundException(`Functions from '${g.region}' are not reachable in this region ('${partition.region}')`);
  }
  if (g.account && g.account !== partition.accountId) {
    throw new InvalidParameterValueException(`The account ID in the function ARN does not match the caller's account.`);
  }
  if (!PLAIN_NAME_RE.test(g.name)) {
    throw validationError(input, 'functionName', 'Member must have length less than or equal to 64');
  }
  return g.qualifier === undefined ? { name: g.name } : { name: g.name, qualifier: g.qualifier };
}

/**
 * Merges a `:qualifier` suffix with an explicit `Qualifier` parameter; AWS refuses the
 * two when they differ.
 */
export function resolveQualifier(ref: FunctionRef, qualifierParam: string | undefined): string | undefined {
  if (qualifierParam !== undefined && qualifierParam !== '' && !QUALIFIER_RE.test(qualifierParam)) {
    throw validationError(qualifierParam, 'qualifier', 'Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)');
  }
  const param = qualifierParam === '' ? undefined : qualifierParam;
  if (ref.qualifier !== undefined && param !== undefined && ref.qualifier !== param) {
    throw new InvalidParameterValueException('The derived qualifier from the function name does not match the specified qualifier.');
  }
  return ref.qualifier ?? param;
}

export function functionArn(p: Partition, name: string, qualifier?: string): string {
  const base = `arn:aws:lambda:${p.region}:${p.accountId}:function:${name}`;
  return qualifier === undefined ? base : `${base}:${qualifier}`;
}

export function layerArn(p: Partition, layerName: string, version?: number): string {
  const base = `arn:aws:lambda:${p.region}:${p.accountId}:layer:${layerName}`;
  return version === undefined ? base : `${base}:${version}`;
}

/** Parses `arn:aws:lambda:<region>:<account>:layer:<name>:<version>`. */
export function parseLayerVersionArn(arn: string): { region: string; accountId: string; layerName: string; version: number } | undefined {
  const m = /^arn:aws[a-zA-Z-]*:lambda:([a-z]{2}(?:-gov)?-[a-z]+-\d{1}):(\d{12}):layer:([a-zA-Z0-9\-_]{1,140}):([0-9]+)$/.exec(arn);
  if (!m) return undefined;
  return { region: m[1]!, accountId: m[2]!, layerName: m[3]!, version: Number(m[4]) };
}

/**
 * An account's S3 canonical user id: S3 names owners by a 64-hex id, not the account id;
 * Gust derives one from the account id so that it is stable and differs per account
 * (bucket listings' Owner, event records' ownerIdentity).
 */
export function canonicalUserId(accountId: string): string {
  return createHash('sha256').update(`gust-canonical-user:${accountId}`).digest('hex');
}
