/**
 * A function's code and what it pulls in: storing the zip the client sent, resolving
 * the layer version ARNs of its configuration, and Lambda's 250 MB limit on the
 * unzipped size of code and layers together.
 */
import { parseLayerVersionArn, type Partition } from '../core/arn.js';
import { InvalidParameterValueException, validationError } from '../core/errors.js';
import { LIMITS } from '../core/limits.js';
import type { LayerRef } from '../core/model/functions.js';
import type { BlobStore, StoredBlob } from '../store/blob-store.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { CodeInput } from './function-inputs.js';

/**
 * Validates and stores the zip. Gust keeps no S3 and runs no container images, so the
 * other code sources are refused with a message that says what to send instead.
 */
export async function storeCode(blobs: BlobStore, code: CodeInput, operation: 'CreateFunction' | 'UpdateFunctionCode'): Promise<StoredBlob> {
  if (code.unsupportedSource !== undefined) {
    throw new InvalidParameterValueException(
      `Gust does not support Code.${code.unsupportedSource}: it has no S3 and runs no container images. Send the deployment package inline as a base64 ZipFile.`,
    );
  }
  if (code.zipFile === undefined || code.zipFile.length === 0) {
    throw new InvalidParameterValueException('Please provide a source for function code.');
  }
  return blobs.put(code.zipFile, { operation });
}

const LAYER_ARN_CONSTRAINT =
  'Member must satisfy constraint: [Member must have length less than or equal to 140, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+), Member must not be null]';

/**
 * Resolves layer version ARNs to the references a version keeps, refusing more than
 * five, malformed ARNs, layers of another region or account, missing versions and two
 * versions of one layer, as Lambda does.
 */
export async function resolveLayers(store: MetadataStore, partition: Partition, arns: string[]): Promise<LayerRef[]> {
  if (arns.length > LIMITS.maxLayers) {
    throw new InvalidParameterValueException(`Cannot reference more than ${LIMITS.maxLayers} layers.`);
  }
  const seen = new Map<string, string>();
  const refs: LayerRef[] = [];
  for (const arn of arns) {
    const parsed = arn.length <= 140 ? parseLayerVersionArn(arn) : undefined;
    if (!parsed) {
      throw validationError(arns, 'layers', LAYER_ARN_CONSTRAINT);
    }
    if (parsed.region !== partition.region) {
      throw new InvalidParameterValueException(`Layers are not in the same region as the function. Layers are expected to be in region ${partition.region}.`);
    }
    const layer = parsed.accountId === partition.accountId ? await store.getLayerVersion(parsed.layerName, parsed.version) : undefined;
    if (!layer) throw new InvalidParameterValueException(`Layer version ${arn} does not exist.`);
    const earlier = seen.get(parsed.layerName);
    if (earlier !== undefined) {
      throw new InvalidParameterValueException(
        `Two different versions of the same layer are not allowed to be referenced in the same function. ${earlier} and ${arn} are versions of the same layer.`,
      );
    }
    seen.set(parsed.layerName, arn);
    refs.push({ arn, codeSize: layer.codeSize, codeHash: layer.codeHash });
  }
  return refs;
}

/** Refuses code whose unzipped size, with its layers, exceeds Lambda's 250 MB. */
export async function checkUnzippedSize(blobs: BlobStore, codeHash: string, layers: LayerRef[]): Promise<void> {
  const hashes = [codeHash, ...layers.map((l) => l.codeHash)];
  const stats = await Promise.all(hashes.map((h) => blobs.stat(h)));
  const total = stats.reduce((sum, s) => sum + (s?.unzippedSize ?? 0), 0);
  if (total > LIMITS.unzippedCodeBytes) {
    throw new InvalidParameterValueException(
      `Function code combined with layers exceeds the maximum allowed size of ${LIMITS.unzippedCodeBytes} bytes. The actual size is ${total} bytes.`,
    );
  }
}
