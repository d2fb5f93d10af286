/**
 * Checks of function configuration values, with the error types and messages AWS
 * returns for them (ValidationException for the model's own constraints,
 * InvalidParameterValueException for Lambda's rules). `applyConfig` validates what a
 * request sets and merges it onto the current configuration.
 * https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html
 */
import { RESERVED_ENVIRONMENT_KEYS } from '../core/reserved-variables.js';
import { InvalidParameterValueException, validationError } from '../core/errors.js';
import { LIMITS, SUPPORTED_RUNTIMES, isSupportedRuntime } from '../core/limits.js';
import type { Architecture, FunctionVersion, LoggingConfig, VpcConfig } from '../core/model/functions.js';
import { checkDeadLetterTarget } from './event-invoke-config-validation.js';
import type { FunctionConfigInput, LoggingConfigInput, VpcConfigInput } from './function-inputs.js';

/** The configuration fields `applyConfig` manages (layers and code are resolved elsewhere). */
export type ConfigFields = Pick<
  FunctionVersion,
  'description' | 'runtime' | 'role' | 'handler' | 'timeout' | 'memorySize' | 'ephemeralStorageMb' | 'environment' | 'tracingMode' | 'loggingConfig' | 'deadLetterTargetArn' | 'kmsKeyArn' | 'vpcConfig'
>;


const ROLE_RE = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const HANDLER_RE = /^[^\s]+$/;
const ENV_KEY_RE = /^[a-zA-Z]([a-zA-Z0-9_])+$/;
const ARN_OR_EMPTY_RE = /^((arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|())$/s;
const LOG_GROUP_RE = /^[.\-_/#A-Za-z0-9]+$/;

function checkEnum(value: string, field: string, allowed: readonly string[]): void {
  if (!allowed.includes(value)) throw validationError(value, field, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
}

function checkRange(value: number, field: string, min: number, max: number): void {
  if (value < min) throw validationError(value, field, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw validationError(value, field, `Member must have value less than or equal to ${max}`);
}

export function checkDescription(value: string): void {
  if (value.length > LIMITS.descriptionMaxLength) {
    throw validationError(value, 'description', `Member must have length less than or equal to ${LIMITS.descriptionMaxLength}`);
  }
}

export function checkRole(role: string): void {
  if (!ROLE_RE.test(role)) {
    throw validationError(role, 'role', 'Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+');
  }
}

export function checkRuntime(runtime: string): void {
  if (!isSupportedRuntime(runtime)) {
    throw new InvalidParameterValueException(
      `Value ${runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [${SUPPORTED_RUNTIMES.join(', ')}] or be a valid ARN`,
    );
  }
}

export function checkHandler(handler: string): void {
  if (handler.length > 128) throw validationError(handler, 'handler', 'Member must have length less than or equal to 128');
  if (!HANDLER_RE.test(handler)) throw validationError(handler, 'handler', 'Member must satisfy regular expression pattern: [^\\s]+');
}

/** Key pattern, reserved keys and the 4 KB limit, in the order Lambda reports them. */
export function checkEnvironment(variables: Record<string, string>): void {
  for (const key of Object.keys(variables)) {
    if (!ENV_KEY_RE.test(key)) {
      throw validationError(undefined, 'environment.variables', 'Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]');
    }
  }
  const reserved = Object.keys(variables).filter((key) => RESERVED_ENVIRONMENT_KEYS.has(key));
  if (reserved.length > 0) {
    throw new InvalidParameterValueException(
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  // Lambda measures the variables serialised as compact JSON, in UTF-8 bytes.
  const measured = JSON.stringify(variables);
  if (Buffer.byteLength(measured, 'utf8') > LIMITS.environmentBytes) {
    throw new InvalidParameterValueException(
      `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured}`,
    );
  }
}

export function checkArchitectures(architectures: string[]): Architecture[] {
  if (architectures.length !== 1) throw validationError(architectures, 'architectures', 'Member must have length less than or equal to 1');
  if (architectures[0] !== 'x86_64' && architectures[0] !== 'arm64') {
    throw validationError(architectures, 'architectures', 'Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]');
  }
  return architectures as Architecture[];
}

/** Tags as TagResource and CreateFunction accept them. */
export function checkTags(tags: Record<string, string>, existing: Record<string, string> = {}): void {
  for (const [key, value] of Object.entries(tags)) {
    if (key.length < 1 || key.length > 128) throw validationError(key, 'tags', 'Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]');
    if (value.length > 256) throw validationError(value, 'tags', 'Map value must satisfy constraint: [Member must have length less than or equal to 256]');
  }
  if (Object.keys({ ...existing, ...tags }).length > 50) {
    throw new InvalidParameterValueException('Number of tags exceeds resource tag limit.');
  }
}

/**
 * VpcConfig with Gust's meaning: each subnet names a host network of the server's
 * (`--host-networks`); security groups are kept and shown, and filter nothing. No subnets
 * detaches the function, as on Lambda.
 */
function applyVpc(input: VpcConfigInput, networks: readonly string[]): VpcConfig | undefined {
  const subnetIds = input.subnetIds ?? [];
  const securityGroupIds = input.securityGroupIds ?? [];
  if (subnetIds.length > 16) throw validationError(`[${subnetIds.join(', ')}]`, 'vpcConfig.subnetIds', 'Member must have length less than or equal to 16');
  if (securityGroupIds.length > 5) throw validationError(`[${securityGroupIds.join(', ')}]`, 'vpcConfig.securityGroupIds', 'Member must have length less than or equal to 5');
  for (const subnet of subnetIds) {
    if (!networks.includes(subnet)) {
      const known = networks.length > 0 ? `this server's networks are ${networks.join(', ')}` : 'this server has none (gust serve --host-networks)';
      throw new InvalidParameterValueException(
        `Error occurred while DescribeSubnets. EC2 Error Code: InvalidSubnetID.NotFound. EC2 Error Message: The subnet ID '${subnet}' does not exist (a subnet names a Gust host network; ${known})`,
      );
    }
  }
  if (subnetIds.length === 0) return undefined;
  return { subnetIds: [...new Set(subnetIds)], securityGroupIds: [...new Set(securityGroupIds)], ipv6AllowedForDualStack: input.ipv6AllowedForDualStack ?? false };
}

function applyLogging(input: LoggingConfigInput, current: LoggingConfig): LoggingConfig {
  if (input.logFormat !== undefined) checkEnum(input.logFormat, 'loggingConfig.logFormat', ['JSON', 'Text']);
  if (input.applicationLogLevel !== undefined) {
    checkEnum(input.applicationLogLevel, 'loggingConfig.applicationLogLevel', ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']);
  }
  if (input.systemLogLevel !== undefined) checkEnum(input.systemLogLevel, 'loggingConfig.systemLogLevel', ['DEBUG', 'INFO', 'WARN']);
  if (input.logGroup !== undefined) {
    if (input.logGroup.length < 1 || input.logGroup.length > 512) {
      throw validationError(input.logGroup, 'loggingConfig.logGroup', 'Member must have length less than or equal to 512, Member must have length greater than or equal to 1');
    }
    if (!LOG_GROUP_RE.test(input.logGroup)) throw validationError(input.logGroup, 'loggingConfig.logGroup', 'Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+');
  }
  const logFormat = (input.logFormat ?? current.logFormat) as LoggingConfig['logFormat'];
  const logGroup = input.logGroup ?? current.logGroup;
  // Log levels belong to the JSON format: Lambda fills in INFO when switching to JSON
  // and drops them when switching back to Text.
  if (logFormat === 'Text') return { logFormat, logGroup };
  return {
    logFormat,
    logGroup,
    applicationLogLevel: input.applicationLogLevel ?? current.applicationLogLevel ?? 'INFO',
    systemLogLevel: input.systemLogLevel ?? current.systemLogLevel ?? 'INFO',
  };
}

/** The configuration of a new function before the request's fields are applied. */
export function defaultConfig(functionName: string): ConfigFields {
  return {
    description: '',
    role: '',
    timeout: LIMITS.timeoutSecondsDefault,
    memorySize: LIMITS.memoryMbDefault,
    ephemeralStorageMb: LIMITS.ephemeralStorageMbDefault,
    environment: {},
    tracingMode: 'PassThrough',
    loggingConfig: { logFormat: 'Text', logGroup: `/aws/lambda/${functionName}` },
  };
}

/**
 * Validates every field the request sets and returns `current` with them applied.
 * Fields the request leaves out keep their current value.
 */
export function applyConfig<T extends ConfigFields>(input: FunctionConfigInput, current: T, networks: readonly string[] = []): T {
  const next: T = { ...current };
  if (input.description !== undefined) {
    checkDescription(input.description);
    next.description = input.description;
  }
  if (input.role !== undefined) {
    checkRole(input.role);
    next.role = input.role;
  }
  if (input.runtime !== undefined) {
    checkRuntime(input.runtime);
    next.runtime = input.runtime as NonNullable<ConfigFields['runtime']>;
  }
  if (input.handler !== undefined) {
    checkHandler(input.handler);
    next.handler = input.handler;
  }
  if (input.timeout !== undefined) {
    checkRange(input.timeout, 'timeout', LIMITS.timeoutSecondsMin, LIMITS.timeoutSecondsMax);
    next.timeout = input.timeout;
  }
  if (input.memorySize !== undefined) {
    checkRange(input.memorySize, 'memorySize', LIMITS.memoryMbMin, LIMITS.memoryMbMax);
    next.memorySize = input.memorySize;
  }
  if (input.ephemeralStorageMb !== undefined) {
    checkRange(input.ephemeralStorageMb, 'ephemeralStorage.size', LIMITS.ephemeralStorageMbMin, LIMITS.ephemeralStorageMbMax);
    next.ephemeralStorageMb = input.ephemeralStorageMb;
  }
  if (input.environment !== undefined) {
    checkEnvironment(input.environment);
    next.environment = { ...input.environment };
  }
  if (input.tracingMode !== undefined) {
    checkEnum(input.tracingMode, 'tracingConfig.mode', ['Active', 'PassThrough']);
    next.tracingMode = input.tracingMode as ConfigFields['tracingMode'];
  }
  if (input.loggingConfig !== undefined) next.loggingConfig = applyLogging(input.loggingConfig, current.loggingConfig);
  if (input.deadLetterTargetArn !== undefined) {
    if (!ARN_OR_EMPTY_RE.test(input.deadLetterTargetArn)) {
      throw validationError(input.deadLetterTargetArn, 'deadLetterConfig.targetArn', 'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()');
    }
    checkDeadLetterTarget(input.deadLetterTargetArn);
    if (input.deadLetterTargetArn === '') delete next.deadLetterTargetArn;
    else next.deadLetterTargetArn = input.deadLetterTargetArn;
  }
  if (input.kmsKeyArn !== undefined) {
    if (!ARN_OR_EMPTY_RE.test(input.kmsKeyArn)) {
      throw validationError(input.kmsKeyArn, 'kMSKeyArn', 'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()');
    }
    if (input.kmsKeyArn === '') delete next.kmsKeyArn;
    else next.kmsKeyArn = input.kmsKeyArn;
  }
  if (input.vpcConfig !== undefined) {
    const vpc = applyVpc(input.vpcConfig, networks);
    if (vpc) next.vpcConfig = vpc;
    else delete next.vpcConfig;
  }
  if (input.snapStartApplyOn !== undefined) {
    checkEnum(input.snapStartApplyOn, 'snapStart.applyOn', ['PublishedVersions', 'None']);
    // Gust has no snapshots, so SnapStart stays off for every runtime it runs.
    if (input.snapStartApplyOn === 'PublishedVersions') {
      throw new InvalidParameterValueException(`${next.runtime ?? 'This runtime'} is not supported for SnapStart enabled functions.`);
    }
  }
  return next;
}
