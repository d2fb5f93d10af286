/**
 * What the control-plane operations take, in Gust's camelCase. The HTTP layer builds
 * these from AWS's JSON after checking JSON types; the service checks values. A field
 * left undefined was not given (an update keeps the current value).
 */
import type { ZipSource } from '../store/blob-store.js';

export interface LoggingConfigInput {
  logFormat?: string;
  applicationLogLevel?: string;
  systemLogLevel?: string;
  logGroup?: string;
}

/** Fields of FunctionConfiguration a client sets at CreateFunction and UpdateFunctionConfiguration. */
export interface FunctionConfigInput {
  role?: string;
  handler?: string;
  runtime?: string;
  description?: string;
  timeout?: number;
  memorySize?: number;
  environment?: Record<string, string>;
  /** Layer version ARNs. */
  layers?: string[];
  ephemeralStorageMb?: number;
  tracingMode?: string;
  loggingConfig?: LoggingConfigInput;
  /** DeadLetterConfig.TargetArn; an empty string removes it. */
  deadLetterTargetArn?: string;
  /** An empty string removes it. */
  kmsKeyArn?: string;
  snapStartApplyOn?: string;
}

/** Where the code comes from; Gust takes only an inline zip. */
export interface CodeInput {
  zipFile?: ZipSource;
  /** The name of a code source Gust cannot fetch (`S3Bucket`, `ImageUri`, …), when one was given. */
  unsupportedSource?: string;
}

export interface CreateFunctionInput extends FunctionConfigInput {
  /** Plain name, already parsed from the name or ARN the client sent. */
  functionName: string;
  code: CodeInput;
  packageType?: string;
  architectures?: string[];
  publish?: boolean;
  tags?: Record<string, string>;
}

export interface UpdateFunctionCodeInput {
  functionName: string;
  code: CodeInput;
  architectures?: string[];
  publish?: boolean;
  dryRun?: boolean;
  revisionId?: string;
}

export interface UpdateFunctionConfigurationInput extends FunctionConfigInput {
  functionName: string;
  revisionId?: string;
}

export interface PublishVersionInput {
  functionName: string;
  codeSha256?: string;
  description?: string;
  revisionId?: string;
}

export interface AliasInput {
  functionName: string;
  name: string;
  functionVersion?: string;
  description?: string;
  /** RoutingConfig.AdditionalVersionWeights; `{}` clears the routing. */
  additionalVersionWeights?: Record<string, number>;
  revisionId?: string;
}

/** Marker and page size of a List operation. */
export interface PageRequest {
  marker?: string;
  maxItems?: number;
}
