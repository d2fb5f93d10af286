/**
 * Gust's function model in AWS's shapes: FunctionConfiguration, AliasConfiguration and
 * GetFunction's Code location. Field names and presence follow what Lambda returns
 * (for example no LastUpdateStatus while a function is being created, no state fields
 * in list operations).
 */
import { functionArn, type Partition } from '../../core/arn.js';
import type { Alias, FunctionVersion } from '../../core/model/functions.js';
import type { CodeUrls } from './context.js';

/** AWS's timestamp form: `2024-01-02T03:04:05.678+0000`. */
export function formatLastModified(iso: string): string {
  return new Date(iso).toISOString().replace('Z', '+0000');
}

export interface RenderOptions {
  /**
   * The qualifier to put in FunctionArn: undefined for the unqualified ARN, or the
   * version or alias name the client addressed.
   */
  arnQualifier?: string | undefined;
  /** List operations leave out the state fields. */
  list?: boolean;
}

/** FunctionConfiguration. */
export function renderConfiguration(partition: Partition, v: FunctionVersion, options: RenderOptions = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {
    FunctionName: v.functionName,
    FunctionArn: functionArn(partition, v.functionName, options.arnQualifier),
    Runtime: v.runtime,
    Role: v.role,
    Handler: v.handler,
    CodeSize: v.codeSize,
    Description: v.description,
    Timeout: v.timeout,
    MemorySize: v.memorySize,
    LastModified: formatLastModified(v.lastModified),
    CodeSha256: v.codeSha256,
    Version: v.version,
    Environment: { Variables: { ...v.environment } },
    TracingConfig: { Mode: v.tracingMode },
    RevisionId: v.revisionId,
    PackageType: v.packageType,
    Architectures: [...v.architectures],
    EphemeralStorage: { Size: v.ephemeralStorageMb },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: renderLogging(v),
  };
  if (v.layers.length > 0) out.Layers = v.layers.map((l) => ({ Arn: l.arn, CodeSize: l.codeSize }));
  if (v.deadLetterTargetArn !== undefined) out.DeadLetterConfig = { TargetArn: v.deadLetterTargetArn };
  if (v.kmsKeyArn !== undefined) out.KMSKeyArn = v.kmsKeyArn;
  // One VPC per server: the subnets are its host networks.
  if (v.vpcConfig) out.VpcConfig = { SubnetIds: [...v.vpcConfig.subnetIds], SecurityGroupIds: [...v.vpcConfig.securityGroupIds], VpcId: 'vpc-gust', Ipv6AllowedForDualStack: v.vpcConfig.ipv6AllowedForDualStack };
  if (!options.list) Object.assign(out, renderState(v));
  return out;
}

function renderLogging(v: FunctionVersion): Record<string, unknown> {
  const l = v.loggingConfig;
  return {
    LogFormat: l.logFormat,
    ...(l.applicationLogLevel === undefined ? {} : { ApplicationLogLevel: l.applicationLogLevel }),
    ...(l.systemLogLevel === undefined ? {} : { SystemLogLevel: l.systemLogLevel }),
    LogGroup: l.logGroup,
  };
}

/**
 * State, and for `$LATEST` the last update's status. Lambda reports no update status
 * while the function is still being created, nor for published versions, which are
 * never updated.
 */
function renderState(v: FunctionVersion): Record<string, unknown> {
  const out: Record<string, unknown> = { State: v.state };
  if (v.stateReason !== undefined) out.StateReason = v.stateReason;
  if (v.stateReasonCode !== undefined) out.StateReasonCode = v.stateReasonCode;
  if (v.version === '$LATEST' && v.state !== 'Pending') {
    out.LastUpdateStatus = v.lastUpdateStatus;
    if (v.lastUpdateStatusReason !== undefined) out.LastUpdateStatusReason = v.lastUpdateStatusReason;
    if (v.lastUpdateStatusReasonCode !== undefined) out.LastUpdateStatusReasonCode = v.lastUpdateStatusReasonCode;
  }
  return out;
}

/** AliasConfiguration; RoutingConfig only when the alias splits traffic. */
export function renderAlias(partition: Partition, a: Alias): Record<string, unknown> {
  const out: Record<string, unknown> = {
    AliasArn: functionArn(partition, a.functionName, a.name),
    Name: a.name,
    FunctionVersion: a.functionVersion,
    Description: a.description,
    RevisionId: a.revisionId,
  };
  if (Object.keys(a.additionalVersionWeights).length > 0) out.RoutingConfig = { AdditionalVersionWeights: { ...a.additionalVersionWeights } };
  return out;
}

/** Where GetFunction tells clients to download the code: Gust's own code route, with its signed query when requests are verified. */
export function codeLocation(baseUrl: string, codeHash: string, codeUrls?: CodeUrls): string {
  const query = codeUrls?.query(codeHash) ?? '';
  return `${baseUrl}/gust/code/${codeHash}.zip${query === '' ? '' : `?${query}`}`;
}
