/**
 * AddPermission, RemovePermission and GetPolicy: the resource-based policy of a function
 * (no qualifier), of each published version and of each alias, each its own document, as
 * on AWS. Writes hold the function's lock, store the policy together with a new RevisionId
 * of the function's `$LATEST`, the version or the alias (Lambda gives the resource a new
 * one with every policy change, and GetPolicy reports it), and keep the registry's cache,
 * which the function URL and invoke paths read synchronously.
 * https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html
 */
import { InvalidParameterValueException, PreconditionFailedException, ResourceConflictException, ResourceNotFoundException } from '../../core/errors.js';
import { newRevisionId } from '../../core/ids.js';
import type { Alias, FunctionVersion } from '../../core/model/functions.js';
import type { PolicyStatement, ResourcePolicy } from '../../core/model/policies.js';
import type { StoreWrite } from '../../store/metadata-store.js';
import { PRECONDITION_MESSAGE, type ControlCore } from '../function-core.js';
import { allows, type PolicyRequest } from './evaluate.js';
import { checkAddPermission, checkRemovePermission, type AddPermissionInput, type RemovePermissionInput } from './permission-input.js';
import { buildStatement, checkPolicySize, policyDocument } from './statement.js';

/** GetPolicy's answer. */
export interface PolicyView {
  /** The policy document, as the JSON string Lambda returns. */
  policy: string;
  revisionId: string;
}

/** AddPermission's precondition message differs from the other operations': it names GetPolicy. */
const ADD_PRECONDITION_MESSAGE = 'The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id';

/** What a policy belongs to: `$LATEST` stands for the function's own policy. */
type Owner = { version: FunctionVersion } | { alias: Alias };

/**
 * The qualifier whose policy is meant. The function's own policy (no qualifier) is the one
 * `$LATEST` and the unqualified ARN are invoked under, so Get and Remove read `$LATEST` as
 * no qualifier; an empty `Qualifier` is no qualifier too.
 */
function policyQualifier(qualifier: string | undefined): string | undefined {
  return qualifier === undefined || qualifier === '' || qualifier === '$LATEST' ? undefined : qualifier;
}

/** The `$LATEST`, version or alias whose RevisionId a policy change bumps; AWS's not-found errors otherwise. */
function ownerOf(core: ControlCore, name: string, qualifier: string | undefined): Owner {
  core.requireFunction(name, qualifier);
  if (qualifier === undefined) return { version: core.requireLatest(name) };
  if (/^[0-9]+$/.test(qualifier)) {
    const version = core.registry.getVersion(name, qualifier);
    if (version) return { version };
    throw new ResourceNotFoundException(`Function not found: ${core.arn(name, qualifier)}`);
  }
  const alias = core.registry.getAlias(name, qualifier);
  if (alias) return { alias };
  // Lambda names a missing alias differently from a missing version.
  throw new ResourceNotFoundException(`Cannot find alias arn: ${core.arn(name, qualifier)}`);
}

function revisionOf(owner: Owner): string {
  return 'alias' in owner ? owner.alias.revisionId : owner.version.revisionId;
}

function bumped(owner: Owner): StoreWrite {
  return 'alias' in owner
    ? { kind: 'putAlias', alias: { ...owner.alias, revisionId: newRevisionId() } }
    : { kind: 'putVersion', version: { ...owner.version, revisionId: newRevisionId() } };
}

function policyOf(name: string, qualifier: string | undefined, statements: PolicyStatement[]): ResourcePolicy {
  return { functionName: name, ...(qualifier === undefined ? {} : { qualifier }), statements };
}

/** AddPermission: validates, appends the statement, and returns it. */
export async function addPermission(core: ControlCore, input: AddPermissionInput): Promise<PolicyStatement> {
  checkAddPermission(input);
  const name = input.functionName;
  const qualifier = input.qualifier === '' ? undefined : input.qualifier;
  if (qualifier === '$LATEST') throw new InvalidParameterValueException('We currently do not support adding policies for $LATEST.');
  core.requireFunction(name, qualifier);
  return core.locks.run(name, async () => {
    const owner = ownerOf(core, name, qualifier);
    if (input.revisionId !== undefined && input.revisionId !== '' && input.revisionId !== revisionOf(owner)) {
      throw new PreconditionFailedException(ADD_PRECONDITION_MESSAGE);
    }
    const current = core.registry.getPolicy(name, qualifier);
    const sid = input.statementId!;
    if (current?.statements.some((s) => s.Sid === sid)) {
      throw new ResourceConflictException(`The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`);
    }
    const statement = buildStatement(input, core.arn(name, qualifier));
    const policy = policyOf(name, qualifier, [...(current?.statements ?? []), statement]);
    checkPolicySize(policy);
    await core.commit(name, [{ kind: 'putPolicy', policy }, bumped(owner)], { kind: 'policy', ...(qualifier === undefined ? {} : { qualifier }) });
    return statement;
  });
}

/** RemovePermission: removes one statement; the policy goes when its last statement does. */
export async function removePermission(core: ControlCore, input: RemovePermissionInput): Promise<void> {
  checkRemovePermission(input);
  const name = input.functionName;
  const qualifier = policyQualifier(input.qualifier);
  if (!core.registry.getFunction(name)) throw new ResourceNotFoundException(`No policy found for: ${core.arn(name)}`);
  await core.locks.run(name, async () => {
    const owner = ownerOf(core, name, qualifier);
    const current = core.registry.getPolicy(name, qualifier);
    if (!current) throw new ResourceNotFoundException('No policy is associated with the given resource.');
    if (!current.statements.some((s) => s.Sid === input.statementId)) {
      throw new ResourceNotFoundException(`Statement ${input.statementId} is not found in resource policy.`);
    }
    if (input.revisionId !== undefined && input.revisionId !== '' && input.revisionId !== revisionOf(owner)) {
      throw new PreconditionFailedException(PRECONDITION_MESSAGE);
    }
    const rest = current.statements.filter((s) => s.Sid !== input.statementId);
    const write: StoreWrite = rest.length === 0 ? { kind: 'deletePolicy', functionName: name, qualifier } : { kind: 'putPolicy', policy: policyOf(name, qualifier, rest) };
    await core.commit(name, [write, bumped(owner)], { kind: 'policy', ...(qualifier === undefined ? {} : { qualifier }) });
  });
}

/** GetPolicy: the document and the RevisionId of the function, version or alias. */
export function getPolicy(core: ControlCore, name: string, qualifier: string | undefined): PolicyView {
  core.requireFunction(name, qualifier);
  const q = policyQualifier(qualifier);
  const policy = core.registry.getPolicy(name, q);
  if (!policy) throw new ResourceNotFoundException('The resource you requested does not exist.');
  return { policy: policyDocument(policy.statements), revisionId: revisionOf(ownerOf(core, name, q)) };
}

/**
 * Whether the policy of the function (no qualifier or `$LATEST`), version or alias allows
 * `request`. Synchronous and free of I/O: the function URL and invoke paths call it per
 * request.
 */
export function permits(core: ControlCore, name: string, qualifier: string | undefined, request: PolicyRequest): boolean {
  return allows(core.registry.getPolicy(name, policyQualifier(qualifier)), request);
}
