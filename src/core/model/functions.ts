/**
 * Functions: their versions, what belongs to the function as a whole, and aliases. Like
 * every record in core/model/, camelCase inside; the HTTP layer maps them to AWS's field
 * names at the boundary.
 */
import type { Runtime } from '../limits.js';

export type FunctionState = 'Pending' | 'Active' | 'Inactive' | 'Failed';
export type LastUpdateStatus = 'InProgress' | 'Successful' | 'Failed';
export type Architecture = 'x86_64' | 'arm64';

/** A layer version a function uses, as resolved when the configuration was written. */
export interface LayerRef {
  arn: string;
  codeSize: number;
  /** Content hash (hex SHA-256) of the layer's zip in the BlobStore. */
  codeHash: string;
}

export interface LoggingConfig {
  logFormat: 'Text' | 'JSON';
  logGroup: string;
  applicationLogLevel?: string;
  systemLogLevel?: string;
}

/**
 * One version of a function: `$LATEST` (mutable) or a published number (immutable).
 * Everything an invoke needs to start an environment is here.
 */
export interface FunctionVersion {
  functionName: string;
  version: string;
  description: string;
  runtime?: Runtime;
  role: string;
  handler?: string;
  timeout: number;
  memorySize: number;
  ephemeralStorageMb: number;
  environment: Record<string, string>;
  layers: LayerRef[];
  architectures: Architecture[];
  packageType: 'Zip';
  /** Content hash (hex SHA-256) of the code zip; key into the BlobStore. */
  codeHash: string;
  /** AWS's CodeSha256: base64 of the same digest. */
  codeSha256: string;
  codeSize: number;
  /** ISO time; rendered in AWS's `2024-01-02T03:04:05.678+0000` form at the edge. */
  lastModified: string;
  revisionId: string;
  state: FunctionState;
  stateReason?: string;
  stateReasonCode?: string;
  lastUpdateStatus: LastUpdateStatus;
  lastUpdateStatusReason?: string;
  lastUpdateStatusReasonCode?: string;
  tracingMode: 'Active' | 'PassThrough';
  loggingConfig: LoggingConfig;
  deadLetterTargetArn?: string;
  kmsKeyArn?: string;
  /** Lambda's VpcConfig; its subnets name the host networks (`--host-networks`) the function reaches. */
  vpcConfig?: VpcConfig;
}

export interface VpcConfig {
  subnetIds: string[];
  securityGroupIds: string[];
  ipv6AllowedForDualStack: boolean;
}

/** What belongs to the function as a whole rather than to one version. */
export interface FunctionRecord {
  name: string;
  /** ISO time of CreateFunction. */
  createdAt: string;
  tags: Record<string, string>;
  /** Reserved concurrency; undefined when none is set. */
  reservedConcurrency?: number;
  /** The number the next PublishVersion takes; numbers are never reused. */
  nextVersion: number;
}

/**
 * A provisioned concurrency configuration: environments of a published version, or of
 * the version an alias routes to, started ahead and kept warm. Its allocation status is the
 * pool's, not stored.
 */
export interface ProvisionedConcurrencyConfig {
  functionName: string;
  /** A published version number or an alias name; never `$LATEST`. */
  qualifier: string;
  /** ProvisionedConcurrentExecutions as requested. */
  requested: number;
  /** ISO time of the last Put. */
  lastModified: string;
}

export interface Alias {
  functionName: string;
  name: string;
  functionVersion: string;
  description: string;
  /** AdditionalVersionWeights: version → weight in [0, 1]. */
  additionalVersionWeights: Record<string, number>;
  revisionId: string;
}
