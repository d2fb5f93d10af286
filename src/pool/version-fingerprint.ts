/**
 * What an execution environment depends on, as one string. Two InvokableVersions with the
 * same fingerprint can share environments: the pool keeps a version's warm environments
 * while its fingerprint holds, so that a change the runtime cannot see (tags, a published
 * version, which bumps $LATEST's RevisionId; a new description) does not cold-start it.
 */
import type { InvokableVersion } from './execution-environment.js';

/**
 * Every field of an InvokableVersion, sorted into what reaches the environment (its
 * process, variables, limits, sandbox and log stream) and the control plane's own
 * bookkeeping. Typed as a Record over every key, so a new field fails to compile until it
 * is sorted here.
 */
const FIELDS: Record<keyof InvokableVersion, 'environment' | 'bookkeeping'> = {
  functionName: 'environment',
  version: 'environment',
  runtime: 'environment',
  handler: 'environment',
  timeout: 'environment',
  memorySize: 'environment',
  ephemeralStorageMb: 'environment',
  environment: 'environment',
  layers: 'environment',
  layerDirs: 'environment',
  codeDir: 'environment',
  codeHash: 'environment',
  architectures: 'environment',
  packageType: 'environment',
  loggingConfig: 'environment',
  tracingMode: 'environment',
  // The role is not handed to the environment today; kept so that credentials, when Gust
  // vends them, never outlive a role change.
  role: 'environment',
  kmsKeyArn: 'environment',
  vpcConfig: 'environment',
  description: 'bookkeeping',
  codeSha256: 'bookkeeping',
  codeSize: 'bookkeeping',
  lastModified: 'bookkeeping',
  revisionId: 'bookkeeping',
  state: 'bookkeeping',
  stateReason: 'bookkeeping',
  stateReasonCode: 'bookkeeping',
  lastUpdateStatus: 'bookkeeping',
  lastUpdateStatusReason: 'bookkeeping',
  lastUpdateStatusReasonCode: 'bookkeeping',
  // Read by the async queue when an event fails for good, never by the environment.
  deadLetterTargetArn: 'bookkeeping',
};

const ENVIRONMENT_FIELDS = (Object.keys(FIELDS) as (keyof InvokableVersion)[]).filter((k) => FIELDS[k] === 'environment').sort();

/** Computed once per InvokableVersion object (the invoke layer reuses them until a change). */
const cache = new WeakMap<InvokableVersion, string>();

export function versionFingerprint(version: InvokableVersion): string {
  let fp = cache.get(version);
  if (fp === undefined) {
    fp = JSON.stringify(ENVIRONMENT_FIELDS.map((k) => version[k] ?? null));
    cache.set(version, fp);
  }
  return fp;
}
