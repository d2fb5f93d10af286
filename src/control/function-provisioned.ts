/**
 * Provisioned concurrency configurations (Put/Get/Delete/ListProvisionedConcurrencyConfig[s])
 * on a published version or an alias, with AWS's validation and messages (recorded from AWS
 * in LocalStack's validated snapshots), and the account arithmetic they share with reserved
 * concurrency: provisioned concurrency counts against the function's reservation when it has
 * one, and otherwise against the account's unreserved pool, which keeps its minimum.
 * https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html
 * Allocating the environments is the invoke layer's work; this module keeps the settings.
 */
import {
  InvalidParameterValueException,
  ProvisionedConcurrencyConfigNotFoundException,
  ResourceConflictException,
  ResourceNotFoundException,
  validationError,
} from '../core/errors.js';
import { LIMITS } from '../core/limits.js';
import type { FunctionRecord, ProvisionedConcurrencyConfig } from '../core/model/functions.js';
import type { ControlCore } from './function-core.js';
import type { PageRequest } from './function-inputs.js';
import { paginate, type Page } from './pagination.js';

const UNPUBLISHED = 'Provisioned Concurrency Configs cannot be applied to unpublished function versions.';
const NOT_ALIAS_OR_VERSION = 'The function resource provided must be an alias or a published version.';
const NOT_FOUND = 'No Provisioned Concurrency Config found for this function';

const isVersionNumber = (qualifier: string): boolean => /^[0-9]+$/.test(qualifier);

/** The sum of a function's provisioned concurrency, leaving out one qualifier's when given. */
export function provisionedTotal(core: ControlCore, name: string, except?: string): number {
  return core.registry.provisioned(name).reduce((sum, c) => sum + (c.qualifier === except ? 0 : c.requested), 0);
}

/**
 * What the account has claimed: every reservation, and the provisioned concurrency of
 * functions without one (a reserved function's provisioned concurrency is part of its
 * reservation). `replace` counts one function as if its record or one of its
 * configurations had other values.
 */
export function claimedConcurrency(core: ControlCore, replace?: { name: string; reserved?: number | null; qualifier?: string; provisioned?: number }): number {
  let claimed = 0;
  for (const record of core.registry.records()) {
    const mine = replace?.name === record.name;
    const reserved = mine && replace.reserved !== undefined ? (replace.reserved ?? undefined) : record.reservedConcurrency;
    if (reserved !== undefined) {
      claimed += reserved;
      continue;
    }
    claimed += provisionedTotal(core, record.name, mine ? replace.qualifier : undefined);
    if (mine && replace.provisioned !== undefined) claimed += replace.provisioned;
  }
  return claimed;
}

/**
 * The function and the target a qualifier names, or AWS's error for each miss: an alias
 * that is not there is "Cannot find alias arn", a version that is not there "Function not
 * found", both naming the qualified ARN (whether or not the function exists).
 */
function requireTarget(core: ControlCore, name: string, qualifier: string): FunctionRecord {
  const record = core.registry.getFunction(name);
  if (isVersionNumber(qualifier)) {
    if (!record || !core.registry.getVersion(name, qualifier)) throw new ResourceNotFoundException(`Function not found: ${core.arn(name, qualifier)}`);
  } else if (!record || !core.registry.getAlias(name, qualifier)) {
    throw new ResourceNotFoundException(`Cannot find alias arn: ${core.arn(name, qualifier)}`);
  }
  return record!;
}

/** The qualifier of Get and Delete: `$LATEST` is refused, a missing one is a validation error. */
function readQualifier(qualifier: string | undefined, latestMessage: string): string {
  if (qualifier === undefined) throw validationError(null, 'qualifier', 'Member must not be null');
  if (qualifier === '$LATEST') throw new InvalidParameterValueException(latestMessage);
  return qualifier;
}

export async function putProvisioned(core: ControlCore, name: string, qualifier: string | undefined, requested: number | undefined): Promise<ProvisionedConcurrencyConfig> {
  if (requested === undefined) throw validationError(null, 'provisionedConcurrentExecutions', 'Member must not be null');
  if (requested < 1) throw validationError(requested, 'provisionedConcurrentExecutions', 'Member must have value greater than or equal to 1');
  const q = readQualifier(qualifier, UNPUBLISHED);
  requireTarget(core, name, q);
  // Checked and written under the account-wide lock that reserved concurrency takes too.
  return core.accountLock.run(() =>
    core.locks.run(name, async () => {
      const record = requireTarget(core, name, q);
      checkTarget(core, name, q);
      const others = provisionedTotal(core, name, q);
      if (record.reservedConcurrency !== undefined && others + requested > record.reservedConcurrency) {
        throw new InvalidParameterValueException('Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function');
      }
      const unreservedAfter = core.accountConcurrencyLimit - claimedConcurrency(core, { name, qualifier: q, provisioned: requested });
      if (record.reservedConcurrency === undefined && unreservedAfter < LIMITS.unreservedConcurrencyMinimum) {
        throw new InvalidParameterValueException(
          `Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${LIMITS.unreservedConcurrencyMinimum}].`,
        );
      }
      const config: ProvisionedConcurrencyConfig = { functionName: name, qualifier: q, requested, lastModified: core.now() };
      await core.commit(name, [{ kind: 'putProvisioned', config }], { kind: 'provisioned', qualifier: q });
      return config;
    }),
  );
}

/**
 * A version and an alias routing to it cannot both have provisioned concurrency, and an
 * alias must route to a published version.
 */
function checkTarget(core: ControlCore, name: string, qualifier: string): void {
  if (isVersionNumber(qualifier)) {
    const byAlias = core.registry.aliases(name).some((a) => a.functionVersion === qualifier && core.registry.getProvisioned(name, a.name));
    if (byAlias) throw new ResourceConflictException('Version is pointed by a Provisioned Concurrency alias');
    return;
  }
  const alias = core.registry.getAlias(name, qualifier)!;
  if (alias.functionVersion === '$LATEST') throw new InvalidParameterValueException(UNPUBLISHED);
  if (core.registry.getProvisioned(name, alias.functionVersion)) {
    throw new ResourceConflictException("Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version");
  }
}

export function getProvisioned(core: ControlCore, name: string, qualifier: string | undefined): ProvisionedConcurrencyConfig {
  const q = readQualifier(qualifier, NOT_ALIAS_OR_VERSION);
  requireTarget(core, name, q);
  const config = core.registry.getProvisioned(name, q);
  if (!config) throw new ProvisionedConcurrencyConfigNotFoundException(NOT_FOUND);
  return config;
}

/** Deleting a configuration that is not there succeeds, as on AWS. */
export async function deleteProvisioned(core: ControlCore, name: string, qualifier: string | undefined): Promise<void> {
  const q = readQualifier(qualifier, NOT_ALIAS_OR_VERSION);
  requireTarget(core, name, q);
  await core.locks.run(name, async () => {
    if (!core.registry.getProvisioned(name, q)) return;
    await core.commit(name, [{ kind: 'deleteProvisioned', functionName: name, qualifier: q }], { kind: 'provisioned', qualifier: q });
  });
}

export function listProvisioned(core: ControlCore, name: string, page: PageRequest): Page<ProvisionedConcurrencyConfig> {
  core.requireFunction(name);
  return paginate(core.registry.provisioned(name), (c) => c.qualifier, page);
}
