/**
 * AWS's JSON request members mapped to the control plane's camelCase inputs. Members
 * Gust does not model are ignored, as Lambda ignores unknown members, except those
 * whose silent loss would surprise: a non-empty FileSystemConfigs is refused with a
 * message saying Gust has no such feature.
 */
import { InvalidParameterValueException } from '../../core/errors.js';
import type { CodeInput, FunctionConfigInput, LoggingConfigInput, VpcConfigInput } from '../../control/function-inputs.js';
import type { JsonObject } from './fn-request.js';

const UNSUPPORTED_CODE_SOURCES = ['S3Bucket', 'S3Key', 'S3ObjectVersion', 'ImageUri'] as const;

/** ZipFile, or the name of an S3/image source Gust cannot fetch. */
export function readCode(code: JsonObject | undefined): CodeInput {
  if (!code) return {};
  const unsupportedSource = UNSUPPORTED_CODE_SOURCES.find((key) => code.has(key));
  const zipFile = code.zip('ZipFile');
  return {
    ...(zipFile === undefined ? {} : { zipFile }),
    ...(unsupportedSource === undefined ? {} : { unsupportedSource }),
  };
}

function refuseUnsupported(body: JsonObject): void {
  if ((body.listLength('FileSystemConfigs') ?? 0) > 0) {
    throw new InvalidParameterValueException('Gust does not support FileSystemConfigs: there is no EFS to mount. Leave FileSystemConfigs empty.');
  }
}

function readVpc(body: JsonObject): VpcConfigInput | undefined {
  const v = body.object('VpcConfig');
  if (!v) return undefined;
  return { subnetIds: v.stringList('SubnetIds'), securityGroupIds: v.stringList('SecurityGroupIds'), ipv6AllowedForDualStack: v.boolean('Ipv6AllowedForDualStack') };
}

function readLogging(body: JsonObject): LoggingConfigInput | undefined {
  const l = body.object('LoggingConfig');
  if (!l) return undefined;
  const out: LoggingConfigInput = {};
  const logFormat = l.string('LogFormat');
  const applicationLogLevel = l.string('ApplicationLogLevel');
  const systemLogLevel = l.string('SystemLogLevel');
  const logGroup = l.string('LogGroup');
  if (logFormat !== undefined) out.logFormat = logFormat;
  if (applicationLogLevel !== undefined) out.applicationLogLevel = applicationLogLevel;
  if (systemLogLevel !== undefined) out.systemLogLevel = systemLogLevel;
  if (logGroup !== undefined) out.logGroup = logGroup;
  return out;
}

/** The configuration members shared by CreateFunction and UpdateFunctionConfiguration. */
export function readConfig(body: JsonObject): FunctionConfigInput {
  refuseUnsupported(body);
  const config: FunctionConfigInput = {
    role: body.string('Role'),
    handler: body.string('Handler'),
    runtime: body.string('Runtime'),
    description: body.string('Description'),
    timeout: body.integer('Timeout'),
    memorySize: body.integer('MemorySize'),
    layers: body.stringList('Layers'),
    ephemeralStorageMb: body.object('EphemeralStorage')?.integer('Size'),
    tracingMode: body.object('TracingConfig')?.string('Mode'),
    loggingConfig: readLogging(body),
    deadLetterTargetArn: body.object('DeadLetterConfig')?.string('TargetArn'),
    kmsKeyArn: body.string('KMSKeyArn'),
    snapStartApplyOn: body.object('SnapStart')?.string('ApplyOn'),
    vpcConfig: readVpc(body),
  };
  // Environment: {} (no Variables) clears the variables, as on Lambda.
  const environment = body.object('Environment');
  if (environment) config.environment = environment.stringMap('Variables') ?? {};
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)) as FunctionConfigInput;
}
