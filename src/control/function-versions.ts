/**
 * Published versions: PublishVersion (also reached through Publish on CreateFunction
 * and UpdateFunctionCode), ListVersionsByFunction and deleting one version.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-versions.html
 */
import { InvalidParameterValueException, ResourceConflictException, ResourceNotFoundException } from '../core/errors.js';
import { newRevisionId } from '../core/ids.js';
import type { FunctionRecord, FunctionVersion } from '../core/model/functions.js';
import type { StoreWrite } from '../store/metadata-store.js';
import type { ControlCore } from './function-core.js';
import type { PageRequest, PublishVersionInput } from './function-inputs.js';
import { assertUpdatable, PENDING_STATE } from './function-state.js';
import { paginate, versionSortKey, type Page } from './pagination.js';

/** JSON with object keys sorted, so equal configurations compare equal. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

/**
 * What makes two versions the same for PublishVersion: code and configuration. The
 * description is left out because PublishVersion may give each version its own.
 */
function fingerprint(v: FunctionVersion): string {
  return stableJson({
    codeHash: v.codeHash,
    runtime: v.runtime,
    role: v.role,
    handler: v.handler,
    timeout: v.timeout,
    memorySize: v.memorySize,
    ephemeralStorageMb: v.ephemeralStorageMb,
    environment: v.environment,
    layers: v.layers.map((l) => l.arn),
    architectures: v.architectures,
    packageType: v.packageType,
    tracingMode: v.tracingMode,
    loggingConfig: v.loggingConfig,
    deadLetterTargetArn: v.deadLetterTargetArn ?? null,
    kmsKeyArn: v.kmsKeyArn ?? null,
    vpcConfig: v.vpcConfig ?? null,
  });
}

export interface PreparedPublish {
  version: FunctionVersion;
  /** Empty when an unchanged `$LATEST` made Lambda return the last version instead. */
  writes: StoreWrite[];
  record: FunctionRecord;
}

/**
 * Builds the next version from `latest` (which may itself be about to be written), or
 * returns the newest version when nothing changed since it, as Lambda does. The caller
 * holds the function's lock and commits the writes.
 */
export function preparePublish(core: ControlCore, record: FunctionRecord, latest: FunctionVersion, description?: string): PreparedPublish {
  const versions = core.registry.versions(record.name).filter((v) => v.version !== '$LATEST');
  const newest = versions[versions.length - 1];
  if (newest && fingerprint(newest) === fingerprint(latest)) return { version: newest, writes: [], record };
  const number = String(record.nextVersion);
  const { lastUpdateStatusReason: _r, lastUpdateStatusReasonCode: _c, ...config } = latest;
  const version: FunctionVersion = {
    ...config,
    ...PENDING_STATE,
    version: number,
    description: description ?? latest.description,
    lastModified: core.now(),
    lastUpdateStatus: 'Successful',
    revisionId: newRevisionId(),
  };
  const nextRecord: FunctionRecord = { ...record, nextVersion: record.nextVersion + 1 };
  // Guarded: another node that numbered from the same record makes the store refuse one of the two.
  return { version, record: nextRecord, writes: [{ kind: 'putFunction', record: nextRecord, expected: { nextVersion: record.nextVersion } }, { kind: 'putVersion', version }] };
}

export async function publishVersion(core: ControlCore, input: PublishVersionInput): Promise<FunctionVersion> {
  const name = input.functionName;
  core.requireFunction(name);
  return core.locks.run(name, async () => {
    const latest = core.requireLatest(name);
    core.checkRevision(latest.revisionId, input.revisionId);
    if (input.codeSha256 !== undefined && input.codeSha256 !== '' && input.codeSha256 !== latest.codeSha256) {
      throw new InvalidParameterValueException(
        `CodeSHA256 (${input.codeSha256}) is different from current CodeSHA256 in $LATEST (${latest.codeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
      );
    }
    assertUpdatable(latest, core.arn(name));
    // Built again from what the store holds when another node published first.
    const built = (current: FunctionRecord) => {
      const source = core.requireLatest(name);
      const prepared = preparePublish(core, current, source, input.description);
      // Publishing changes $LATEST's RevisionId too, as on Lambda.
      const bumped: FunctionVersion = { ...source, revisionId: newRevisionId() };
      return { writes: prepared.writes.length === 0 ? [] : [...prepared.writes, { kind: 'putVersion' as const, version: bumped }], result: prepared };
    };
    const prepared = await core.commitNumbered(name, built, (p) => ({ kind: 'published', qualifier: p.version.version }));
    if (prepared.writes.length > 0) core.settleSoon(name, prepared.version.version);
    return prepared.version;
  });
}

export function listVersions(core: ControlCore, name: string, page: PageRequest): Page<FunctionVersion> {
  core.requireFunction(name);
  return paginate(core.registry.versions(name), (v) => versionSortKey(v.version), page);
}

/**
 * Deletes one published version. `$LATEST` goes only with the whole function, and a
 * version that an alias routes to stays until the alias moves, as on Lambda.
 */
export async function deleteVersion(core: ControlCore, name: string, qualifier: string): Promise<void> {
  core.requireFunction(name);
  if (!/^[0-9]+$/.test(qualifier)) {
    throw new InvalidParameterValueException('Deletion of aliases is not supported.');
  }
  await core.locks.run(name, async () => {
    core.requireFunction(name);
    if (!core.registry.getVersion(name, qualifier)) {
      throw new ResourceNotFoundException(`Function not found: ${core.arn(name, qualifier)}`);
    }
    const users = core.registry
      .aliases(name)
      .filter((a) => a.functionVersion === qualifier || a.additionalVersionWeights[qualifier] !== undefined)
      .map((a) => a.name);
    if (users.length > 0) {
      throw new ResourceConflictException(`Unable to delete version because the following aliases reference it: [${users.join(', ')}]`);
    }
    const writes: StoreWrite[] = [
      { kind: 'deleteVersion', functionName: name, version: qualifier },
      { kind: 'deleteProvisioned', functionName: name, qualifier },
      // A version's policy goes with it: a later version with the same number never reuses it (numbers are not reused anyway).
      { kind: 'deletePolicy', functionName: name, qualifier },
    ];
    await core.commit(name, writes, {
      kind: 'version-deleted',
      qualifier,
    });
  });
}
