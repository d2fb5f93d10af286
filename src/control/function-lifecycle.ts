/**
 * Writing functions: CreateFunction, UpdateFunctionCode, UpdateFunctionConfiguration
 * and DeleteFunction. Slow work (storing the zip, resolving layers) happens before the
 * function's lock is taken where it can; everything that reads and then writes the
 * function happens under it.
 */
import { InvalidParameterValueException, ResourceConflictException, validationError } from '../core/errors.js';
import { newRevisionId } from '../core/ids.js';
import type { Architecture, FunctionRecord, FunctionVersion } from '../core/model/functions.js';
import { StaleFunctionRecordError, type StoreWrite } from '../store/metadata-store.js';
import { checkUnzippedSize, resolveLayers, storeCode } from './function-code.js';
import type { ControlCore } from './function-core.js';
import type { CreateFunctionInput, UpdateFunctionCodeInput, UpdateFunctionConfigurationInput } from './function-inputs.js';
import { assertUpdatable, beginUpdate, PENDING_STATE } from './function-state.js';
import { applyConfig, checkArchitectures, checkTags, defaultConfig } from './function-validation.js';
import { deleteVersion, preparePublish } from './function-versions.js';

function checkPackageType(packageType: string | undefined): void {
  if (packageType === undefined || packageType === 'Zip') return;
  if (packageType === 'Image') {
    throw new InvalidParameterValueException('Gust does not support PackageType Image: container images cannot run on it yet. Use PackageType Zip with Code.ZipFile.');
  }
  throw validationError(packageType, 'packageType', 'Member must satisfy enum value set: [Zip, Image]');
}

function alreadyExists(name: string): ResourceConflictException {
  return new ResourceConflictException(`Function already exist: ${name}`);
}

export function createFunction(core: ControlCore, input: CreateFunctionInput): Promise<FunctionVersion> {
  return core.writingCode(() => create(core, input));
}

async function create(core: ControlCore, input: CreateFunctionInput): Promise<FunctionVersion> {
  const name = input.functionName;
  checkPackageType(input.packageType);
  if (input.role === undefined) {
    throw validationError(null, 'role', 'Member must not be null');
  }
  const config = applyConfig(input, defaultConfig(name), core.deps.networks);
  if (input.runtime === undefined || input.handler === undefined) {
    throw new InvalidParameterValueException('Runtime and Handler are mandatory parameters for functions created with deployment packages.');
  }
  const architectures: Architecture[] = input.architectures !== undefined ? checkArchitectures(input.architectures) : ['x86_64'];
  const tags = input.tags ?? {};
  checkTags(tags);
  // Checked early to spare storing the code, and again under the lock.
  if (core.registry.getFunction(name)) throw alreadyExists(name);
  const layers = await resolveLayers(core.deps.store, core.partition, input.layers ?? []);
  const blob = await storeCode(core.deps.code ?? core.deps.blobs, input.code, 'CreateFunction');
  await checkUnzippedSize(core.deps.blobs, blob.hash, layers);

  return core.locks.run(name, async () => {
    if (core.registry.getFunction(name)) throw alreadyExists(name);
    const now = core.now();
    const latest: FunctionVersion = {
      ...config,
      ...PENDING_STATE,
      functionName: name,
      version: '$LATEST',
      layers,
      architectures,
      packageType: 'Zip',
      codeHash: blob.hash,
      codeSha256: blob.sha256Base64,
      codeSize: blob.size,
      lastModified: now,
      revisionId: newRevisionId(),
      lastUpdateStatus: 'Successful',
    };
    const record: FunctionRecord = { name, createdAt: now, tags: { ...tags }, nextVersion: 1 };
    if (!input.publish) {
      await createCommit(core, name, [{ kind: 'putFunction', record, expected: 'absent' }, { kind: 'putVersion', version: latest }]);
      core.settleSoon(name, '$LATEST');
      return latest;
    }
    const published = preparePublish(core, record, latest);
    await createCommit(core, name, [{ kind: 'putFunction', record: published.record, expected: 'absent' }, { kind: 'putVersion', version: latest }, { kind: 'putVersion', version: published.version }]);
    core.settleSoon(name, '$LATEST');
    core.settleSoon(name, published.version.version);
    return published.version;
  });
}

/** Commits a new function; another node's CreateFunction of the same name that came first makes it AWS's conflict. */
async function createCommit(core: ControlCore, name: string, writes: StoreWrite[]): Promise<void> {
  try {
    await core.commit(name, writes, { kind: 'created' });
  } catch (err) {
    if (!(err instanceof StaleFunctionRecordError)) throw err;
    await core.registry.reload(name);
    throw alreadyExists(name);
  }
}

/**
 * Replaces the code of `$LATEST`. With Publish, also publishes a version from the new
 * code and returns it; with DryRun, validates and returns what the configuration would
 * be, changing nothing (the zip is still stored: storing is how it is validated).
 */
export function updateFunctionCode(core: ControlCore, input: UpdateFunctionCodeInput): Promise<FunctionVersion> {
  return core.writingCode(() => updateCode(core, input));
}

async function updateCode(core: ControlCore, input: UpdateFunctionCodeInput): Promise<FunctionVersion> {
  const name = input.functionName;
  const architectures = input.architectures !== undefined ? checkArchitectures(input.architectures) : undefined;
  core.requireFunction(name);
  const blob = await storeCode(core.deps.code ?? core.deps.blobs, input.code, 'UpdateFunctionCode');

  return core.locks.run(name, async () => {
    const latest = core.requireLatest(name);
    core.checkRevision(latest.revisionId, input.revisionId);
    await checkUnzippedSize(core.deps.blobs, blob.hash, latest.layers);
    const changed: FunctionVersion = {
      ...latest,
      codeHash: blob.hash,
      codeSha256: blob.sha256Base64,
      codeSize: blob.size,
      architectures: architectures ?? latest.architectures,
      lastModified: core.now(),
    };
    if (input.dryRun) return changed;
    assertUpdatable(latest, core.arn(name));
    const updated = beginUpdate({ ...changed, revisionId: newRevisionId() });
    const update: StoreWrite = { kind: 'putVersion', version: updated };
    if (!input.publish) {
      await core.commit(name, [update], { kind: 'code' });
      core.settleSoon(name, '$LATEST');
      return updated;
    }
    const published = await core.commitNumbered(
      name,
      (current) => {
        const prepared = preparePublish(core, current, updated);
        return { writes: [update, ...prepared.writes], result: prepared };
      },
      () => ({ kind: 'code' }),
    );
    core.settleSoon(name, '$LATEST');
    if (published.writes.length > 0) core.settleSoon(name, published.version.version);
    return published.version;
  });
}

export async function updateFunctionConfiguration(core: ControlCore, input: UpdateFunctionConfigurationInput): Promise<FunctionVersion> {
  const name = input.functionName;
  core.requireFunction(name);
  return core.locks.run(name, async () => {
    const latest = core.requireLatest(name);
    core.checkRevision(latest.revisionId, input.revisionId);
    const config = applyConfig(input, latest, core.deps.networks);
    let layers = latest.layers;
    if (input.layers !== undefined) {
      layers = await resolveLayers(core.deps.store, core.partition, input.layers);
      await checkUnzippedSize(core.deps.blobs, latest.codeHash, layers);
    }
    assertUpdatable(latest, core.arn(name));
    // From the applied config alone: a member it removed (a dead-letter target, VpcConfig) stays removed.
    const updated = beginUpdate({ ...config, layers, lastModified: core.now(), revisionId: newRevisionId() });
    await core.commit(name, [{ kind: 'putVersion', version: updated }], { kind: 'configuration' });
    core.settleSoon(name, '$LATEST');
    return updated;
  });
}

/** Deletes the whole function, or one published version when a qualifier is given. */
export async function deleteFunction(core: ControlCore, name: string, qualifier: string | undefined): Promise<void> {
  if (qualifier === '$LATEST') {
    throw new InvalidParameterValueException('$LATEST version cannot be deleted without deleting the function.');
  }
  if (qualifier !== undefined) return deleteVersion(core, name, qualifier);
  core.requireFunction(name);
  await core.locks.run(name, async () => {
    core.requireFunction(name);
    await core.deleteFunction(name);
  });
}
