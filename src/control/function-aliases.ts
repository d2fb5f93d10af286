/**
 * Aliases: named pointers to a version, optionally splitting traffic with one more
 * version (RoutingConfig.AdditionalVersionWeights).
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-aliases.html
 */
import { ALIAS_NAME_RE } from '../core/arn.js';
import { InvalidParameterValueException, ResourceConflictException, ResourceNotFoundException, validationError } from '../core/errors.js';
import { newRevisionId } from '../core/ids.js';
import { LIMITS } from '../core/limits.js';
import type { Alias } from '../core/model/functions.js';
import type { ControlCore } from './function-core.js';
import type { AliasInput, PageRequest } from './function-inputs.js';
import { checkDescription } from './function-validation.js';
import { paginate, type Page } from './pagination.js';

const VERSION_RE = /^(\$LATEST|[0-9]+)$/;

function checkAliasName(name: string): void {
  if (name.length < 1 || name.length > 128) throw validationError(name, 'name', 'Member must have length less than or equal to 128');
  if (!ALIAS_NAME_RE.test(name)) throw validationError(name, 'name', 'Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)');
}

function checkVersionExists(core: ControlCore, functionName: string, version: string): void {
  if (!VERSION_RE.test(version) || version.length > 1024) {
    throw validationError(version, 'functionVersion', 'Member must satisfy regular expression pattern: (\\$LATEST|[0-9]+)');
  }
  if (!core.registry.getVersion(functionName, version)) {
    throw new ResourceNotFoundException(`Function not found: ${core.arn(functionName, version)}`);
  }
}

/** Validates AdditionalVersionWeights against the alias's primary version, in Lambda's order. */
function checkRouting(core: ControlCore, functionName: string, primary: string, weights: Record<string, number>): void {
  const entries = Object.entries(weights);
  if (entries.length > LIMITS.maxAliasWeightedVersions) {
    throw new InvalidParameterValueException(`Number of items in AdditionalVersionWeights cannot be greater than ${LIMITS.maxAliasWeightedVersions}`);
  }
  for (const [version, weight] of entries) {
    if (!(weight >= 0 && weight <= 1)) {
      throw validationError(
        `{${version}=${weight}}`,
        'routingConfig.additionalVersionWeights',
        'Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]',
      );
    }
    if (version === primary) {
      throw new InvalidParameterValueException(`Invalid function version ${primary}. Function version ${primary} is already included in routing configuration.`);
    }
    if (primary === '$LATEST') throw new InvalidParameterValueException('$LATEST is not supported for an alias pointing to more than 1 version');
    if (!/^[0-9]+$/.test(version)) {
      throw validationError(
        `{${version}=${weight}}`,
        'routingConfig.additionalVersionWeights',
        'Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+, Member must not be null]',
      );
    }
    checkVersionExists(core, functionName, version);
  }
}

function requireAlias(core: ControlCore, functionName: string, name: string): Alias {
  core.requireFunction(functionName);
  const alias = core.registry.getAlias(functionName, name);
  if (!alias) throw new ResourceNotFoundException(`Cannot find alias arn: ${core.arn(functionName, name)}`);
  return alias;
}

export async function createAlias(core: ControlCore, input: AliasInput): Promise<Alias> {
  const { functionName, name } = input;
  checkAliasName(name);
  if (input.description !== undefined) checkDescription(input.description);
  const primary = input.functionVersion;
  if (primary === undefined) throw validationError('null', 'functionVersion', 'Member must not be null');
  core.requireFunction(functionName);
  return core.locks.run(functionName, async () => {
    core.requireFunction(functionName);
    checkVersionExists(core, functionName, primary);
    if (core.registry.getAlias(functionName, name)) {
      throw new ResourceConflictException(`Alias already exists: ${core.arn(functionName, name)}`);
    }
    const weights = input.additionalVersionWeights ?? {};
    checkRouting(core, functionName, primary, weights);
    const alias: Alias = {
      functionName,
      name,
      functionVersion: primary,
      description: input.description ?? '',
      additionalVersionWeights: { ...weights },
      revisionId: newRevisionId(),
    };
    await core.commit(functionName, [{ kind: 'putAlias', alias }], { kind: 'alias', qualifier: name });
    return alias;
  });
}

export function getAlias(core: ControlCore, functionName: string, name: string): Alias {
  return requireAlias(core, functionName, name);
}

export async function updateAlias(core: ControlCore, input: AliasInput): Promise<Alias> {
  const { functionName, name } = input;
  if (input.description !== undefined) checkDescription(input.description);
  requireAlias(core, functionName, name);
  return core.locks.run(functionName, async () => {
    const current = requireAlias(core, functionName, name);
    core.checkRevision(current.revisionId, input.revisionId);
    const primary = input.functionVersion ?? current.functionVersion;
    if (input.functionVersion !== undefined) checkVersionExists(core, functionName, primary);
    const weights = input.additionalVersionWeights ?? current.additionalVersionWeights;
    checkRouting(core, functionName, primary, weights);
    // Every UpdateAlias gets a new RevisionId, even one that changes nothing.
    const alias: Alias = {
      ...current,
      functionVersion: primary,
      description: input.description ?? current.description,
      additionalVersionWeights: { ...weights },
      revisionId: newRevisionId(),
    };
    await core.commit(functionName, [{ kind: 'putAlias', alias }], { kind: 'alias', qualifier: name });
    return alias;
  });
}

export async function deleteAlias(core: ControlCore, functionName: string, name: string): Promise<void> {
  requireAlias(core, functionName, name);
  await core.locks.run(functionName, async () => {
    requireAlias(core, functionName, name);
    // Its provisioned concurrency and its resource policy go with it, as on AWS.
    await core.commit(
      functionName,
      [
        { kind: 'deleteAlias', functionName, name },
        { kind: 'deleteProvisioned', functionName, qualifier: name },
        { kind: 'deletePolicy', functionName, qualifier: name },
      ],
      { kind: 'alias', qualifier: name },
    );
  });
}

/** Aliases by name; with `functionVersion`, only those whose primary version it is. */
export function listAliases(core: ControlCore, functionName: string, functionVersion: string | undefined, page: PageRequest): Page<Alias> {
  core.requireFunction(functionName);
  const aliases = core.registry.aliases(functionName).filter((a) => functionVersion === undefined || a.functionVersion === functionVersion);
  return paginate(aliases, (a) => a.name, page);
}
