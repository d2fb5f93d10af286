/**
 * What the control-plane operations take, in Gust's camelCase. The HTTP layer builds
 * these from AWS's JSON after checking JSON types; the service checks values. A field
 * left undefined was not given (an update keeps the current value).
 */
import type { ZipSource } from '../store/blob-store.js';

export interface LoggingConfigInput {
  logFormat?: string | undefined;
  applicationLogLevel?: string | undefined;
  systemLogLevel?: string | undefined;
  logGroup?: string | undefined;
}

export interface VpcConfigInput {
  subnetIds?: string[] | undefined;
  securityGroupIds?: string[] | undefined;
  ipv6AllowedForDualStack?: boolean | undefined;
}

/** Fields of FunctionConfiguration a client sets at CreateFunction and UpdateFunctionConfiguration. */
export interface FunctionConfigInput {
  role?: string | undefined;
  handler?: string | undefined;
  runtime?: string | undefined;
  description?: string | undefined;
  timeout?: number | undefined;
  memorySize?: number | undefined;
  environment?: Record<string, string> | undefined;
  /** Layer version ARNs. */
  layers?: string[] | undefined;
  ephemeralStorageMb?: number | undefined;
  tracingMode?: string | undefined;
  loggingConfig?: LoggingConfigInput | undefined;
  /** DeadLetterConfig.TargetArn; an empty string removes it. */
  deadLetterTargetArn?: string | undefined;
  /** An empty string removes it. */
  kmsKeyArn?: string | undefined;
  snapStartApplyOn?: string | undefined;
  /** Subnets name Gust's host networks; no subnets detaches the function. */
  vpcConfig?: VpcConfigInput | undefined;
}

/** Where the code comes from; Gust takes only an inline zip. */
export interface CodeInput {
  zipFile?: ZipSource | undefined;
  /** The name of a code source Gust cannot fetch (`S3Bucket`, `ImageUri`, …), when one was given. */
  unsupportedSource?: string | undefined;
}

export interface CreateFunctionInput extends FunctionConfigInput {
  /** Plain name, already parsed from the name or ARN the client sent. */
  functionName: string;
  code: CodeInput;
  packageType?: string | undefined;
  architectures?: string[] | undefined;
  publish?: boolean | undefined;
  tags?: Record<string, string> | undefined;
}

export interface UpdateFunctionCodeInput {
  functionName: string;
  code: CodeInput;
  architectures?: string[] | undefined;
  publish?: boolean | undefined;
  dryRun?: boolean | undefined;
  revisionId?: string | undefined;
}

export interface UpdateFunctionConfigurationInput extends FunctionConfigInput {
  functionName: string;
  revisionId?: string | undefined;
}

export interface PublishVersionInput {
  functionName: string;
  codeSha256?: string | undefined;
  description?: string | undefined;
  revisionId?: string | undefined;
}

export interface AliasInput {
  functionName: string;
  name: string;
  functionVersion?: string | undefined;
  description?: string | undefined;
  /** RoutingConfig.AdditionalVersionWeights; `{}` clears the routing. */
  additionalVersionWeights?: Record<string, number> | undefined;
  revisionId?: string | undefined;
}

/** Marker and page size of a List operation. */
export interface PageRequest {
  marker?: string | undefined;
  maxItems?: number | undefined;
}
