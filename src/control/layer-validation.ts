/**
 * The checks the AWS model makes on layer requests (names, ARNs, runtimes,
 * architectures, lengths, page sizes), with AWS's ValidationException wording, so
 * that LayerService reads as the operations themselves.
 * https://docs.aws.amazon.com/lambda/latest/api/API_PublishLayerVersion.html
 */
import type { Partition } from '../core/arn.js';
import { parseLayerVersionArn } from '../core/arn.js';
import { ResourceNotFoundException, validationError } from '../core/errors.js';

/**
 * The model's `Runtime` enum, deprecated values included: a layer's CompatibleRuntimes
 * are labels for ListLayers filtering, so a layer may name runtimes Gust cannot run.
 */
const LAYER_RUNTIMES: ReadonlySet<string> = new Set([
  'nodejs', 'nodejs4.3', 'nodejs4.3-edge', 'nodejs6.10', 'nodejs8.10', 'nodejs10.x', 'nodejs12.x', 'nodejs14.x',
  'nodejs16.x', 'nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs24.x',
  'python2.7', 'python3.6', 'python3.7', 'python3.8', 'python3.9', 'python3.10', 'python3.11', 'python3.12',
  'python3.13', 'python3.14',
  'java8', 'java8.al2', 'java11', 'java17', 'java21', 'java25',
  'dotnetcore1.0', 'dotnetcore2.0', 'dotnetcore2.1', 'dotnetcore3.1', 'dotnet6', 'dotnet8', 'dotnet10',
  'go1.x', 'ruby2.5', 'ruby2.7', 'ruby3.2', 'ruby3.3', 'ruby3.4',
  'provided', 'provided.al2', 'provided.al2023',
]);

const ARCHITECTURES: ReadonlySet<string> = new Set(['x86_64', 'arm64']);

const LAYER_NAME_PATTERN = '(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+';
const LAYER_NAME_RE = /^(?:arn:[a-zA-Z0-9-]+:lambda:(?<region>[a-zA-Z0-9-]+):(?<account>\d{12}):layer:(?<arnName>[a-zA-Z0-9-_]+)|(?<name>[a-zA-Z0-9-_]+))$/;
const LAYER_VERSION_ARN_PATTERN = 'arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+';

export const LAYER_LIMITS = {
  nameMaxLength: 140,
  descriptionMaxLength: 256,
  licenseInfoMaxLength: 512,
  maxCompatibleRuntimes: 15,
  maxCompatibleArchitectures: 2,
  maxItemsMin: 1,
  maxItemsMax: 50,
} as const;

/**
 * Resolves a LayerName parameter (a name or a layer ARN without version) to the plain
 * name. An ARN of another region or account names a layer Gust cannot hold.
 */
export function parseLayerName(input: string, partition: Partition): string {
  if (input.length < 1 || input.length > LAYER_LIMITS.nameMaxLength) {
    throw validationError(input, 'layerName', `Member must have length less than or equal to ${LAYER_LIMITS.nameMaxLength}`);
  }
  const g = LAYER_NAME_RE.exec(input)?.groups;
  if (!g) throw validationError(input, 'layerName', `Member must satisfy regular expression pattern: ${LAYER_NAME_PATTERN}`);
  if (g.name !== undefined) return g.name;
  if (g.region !== partition.region || g.account !== partition.accountId) {
    throw new ResourceNotFoundException('The resource you requested does not exist.');
  }
  return g.arnName!;
}

/** Parses the `Arn` of GetLayerVersionByArn; another region or account is simply not found. */
export function parseLayerVersionArnParam(arn: string, partition: Partition): { layerName: string; version: number } {
  const parsed = arn.length <= LAYER_LIMITS.nameMaxLength ? parseLayerVersionArn(arn) : undefined;
  if (!parsed) throw validationError(arn, 'arn', `Member must satisfy regular expression pattern: ${LAYER_VERSION_ARN_PATTERN}`);
  if (parsed.region !== partition.region || parsed.accountId !== partition.accountId) {
    throw new ResourceNotFoundException('The resource you requested does not exist.');
  }
  return { layerName: parsed.layerName, version: parsed.version };
}

/** A VersionNumber path parameter: a positive integer. */
export function parseVersionNumber(raw: string): number {
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(n)) {
    throw validationError(raw, 'versionNumber', 'Member must be a number');
  }
  return n;
}

export function checkCompatibleRuntimes(runtimes: string[]): void {
  if (runtimes.length > LAYER_LIMITS.maxCompatibleRuntimes) {
    throw validationError(runtimes, 'compatibleRuntimes', `Member must have length less than or equal to ${LAYER_LIMITS.maxCompatibleRuntimes}`);
  }
  for (const r of runtimes) checkRuntime(r, 'compatibleRuntimes');
}

export function checkRuntime(runtime: string, field: string): void {
  if (!LAYER_RUNTIMES.has(runtime)) {
    throw validationError(runtime, field, `Member must satisfy enum value set: [${[...LAYER_RUNTIMES].join(', ')}]`);
  }
}

export function checkCompatibleArchitectures(architectures: string[]): void {
  if (architectures.length > LAYER_LIMITS.maxCompatibleArchitectures) {
    throw validationError(architectures, 'compatibleArchitectures', `Member must have length less than or equal to ${LAYER_LIMITS.maxCompatibleArchitectures}`);
  }
  for (const a of architectures) checkArchitecture(a, 'compatibleArchitectures');
}

export function checkArchitecture(architecture: string, field: string): void {
  if (!ARCHITECTURES.has(architecture)) {
    throw validationError(architecture, field, 'Member must satisfy enum value set: [x86_64, arm64]');
  }
}

export function checkMaxLength(value: string | undefined, field: string, max: number): void {
  if (value !== undefined && value.length > max) {
    throw validationError(value, field, `Member must have length less than or equal to ${max}`);
  }
}

/** A MaxItems query parameter, which must be an integer. */
export function parseMaxItems(raw: string): number {
  if (!/^-?[0-9]+$/.test(raw)) throw validationError(raw, 'maxItems', 'Member must be a number');
  return Number(raw);
}

/** MaxItems of the list operations: 1 to 50, 50 when absent. */
export function checkMaxItems(maxItems: number | undefined): number {
  if (maxItems === undefined) return LAYER_LIMITS.maxItemsMax;
  if (!Number.isInteger(maxItems) || maxItems < LAYER_LIMITS.maxItemsMin) {
    throw validationError(maxItems, 'maxItems', `Member must have value greater than or equal to ${LAYER_LIMITS.maxItemsMin}`);
  }
  if (maxItems > LAYER_LIMITS.maxItemsMax) {
    throw validationError(maxItems, 'maxItems', `Member must have value less than or equal to ${LAYER_LIMITS.maxItemsMax}`);
  }
  return maxItems;
}
