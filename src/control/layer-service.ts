/**
 * Lambda layers: PublishLayerVersion, GetLayerVersion(ByArn), ListLayers,
 * ListLayerVersions and DeleteLayerVersion. Layer zips live in the BlobStore like
 * function code; the MetadataStore keeps each version's record. Routes map the
 * returned LayerVersion records to AWS's shapes.
 * https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html
 */
import type { Partition } from '../core/arn.js';
import type { Clock } from '../core/clock.js';
import { InvalidParameterValueException, ResourceNotFoundException } from '../core/errors.js';
import type { LayerVersion } from '../core/model/layers.js';
import type { BlobStore } from '../store/blob-store.js';
import type { MetadataStore } from '../store/metadata-store.js';
import {
  LAYER_LIMITS,
  checkArchitecture,
  checkCompatibleArchitectures,
  checkCompatibleRuntimes,
  checkMaxItems,
  checkMaxLength,
  checkRuntime,
  parseLayerName,
  parseLayerVersionArnParam,
} from './layer-validation.js';

/** PublishLayerVersion's input, with AWS's field meanings. */
export interface PublishLayerInput {
  /** A layer name or a layer ARN without a version. */
  layerName: string;
  content: {
    /** Base64 of the zip, as the JSON body carries it. */
    zipFile?: string;
    s3Bucket?: string;
    s3Key?: string;
    s3ObjectVersion?: string;
  };
  description?: string;
  compatibleRuntimes?: string[];
  compatibleArchitectures?: string[];
  licenseInfo?: string;
}

/** The filters and paging of ListLayers and ListLayerVersions. */
export interface LayerListQuery {
  compatibleRuntime?: string;
  compatibleArchitecture?: string;
  marker?: string;
  maxItems?: number;
}

export interface LayerListPage {
  /** Each layer with its newest version that matches the filters. */
  layers: { layerName: string; latestMatchingVersion: LayerVersion }[];
  nextMarker?: string;
}

export interface LayerVersionPage {
  /** Newest first. */
  versions: LayerVersion[];
  nextMarker?: string;
}

export interface LayerServiceDeps {
  store: MetadataStore;
  blobs: BlobStore;
  partition: Partition;
  clock: Clock;
}

// AWS answers every missing layer or layer version with this one message.
const NOT_FOUND = 'The resource you requested does not exist.';

export class LayerService {
  private readonly store: MetadataStore;
  private readonly blobs: BlobStore;
  private readonly partition: Partition;
  private readonly clock: Clock;

  constructor(deps: LayerServiceDeps) {
    this.store = deps.store;
    this.blobs = deps.blobs;
    this.partition = deps.partition;
    this.clock = deps.clock;
  }

  /** PublishLayerVersion: stores the zip and records the next version of the layer. */
  async publish(input: PublishLayerInput): Promise<LayerVersion> {
    const layerName = parseLayerName(input.layerName, this.partition);
    const compatibleRuntimes = input.compatibleRuntimes ?? [];
    const compatibleArchitectures = input.compatibleArchitectures ?? [];
    checkCompatibleRuntimes(compatibleRuntimes);
    checkCompatibleArchitectures(compatibleArchitectures);
    checkMaxLength(input.description, 'description', LAYER_LIMITS.descriptionMaxLength);
    checkMaxLength(input.licenseInfo, 'licenseInfo', LAYER_LIMITS.licenseInfoMaxLength);
    const zip = this.zipBytes(input.content);

    // The blob is stored before a number is reserved, so that a refused zip does not
    // use up a version number (numbers are never reused).
    const blob = await this.blobs.put(zip, { operation: 'PublishLayerVersion' });
    const version = await this.store.nextLayerVersionNumber(layerName);
    const layer: LayerVersion = {
      layerName,
      version,
      description: input.description ?? '',
      compatibleRuntimes: [...compatibleRuntimes],
      compatibleArchitectures: [...compatibleArchitectures],
      ...(input.licenseInfo === undefined ? {} : { licenseInfo: input.licenseInfo }),
      codeHash: blob.hash,
      codeSha256: blob.sha256Base64,
      codeSize: blob.size,
      createdDate: new Date(this.clock.now()).toISOString(),
    };
    await this.store.putLayerVersion(layer);
    return layer;
  }

  /** GetLayerVersion. */
  async get(layerNameOrArn: string, version: number): Promise<LayerVersion> {
    const layerName = parseLayerName(layerNameOrArn, this.partition);
    const layer = await this.store.getLayerVersion(layerName, version);
    if (!layer) throw new ResourceNotFoundException(NOT_FOUND);
    return layer;
  }

  /** GetLayerVersionByArn. */
  async getByArn(arn: string): Promise<LayerVersion> {
    const { layerName, version } = parseLayerVersionArnParam(arn, this.partition);
    const layer = await this.store.getLayerVersion(layerName, version);
    if (!layer) throw new ResourceNotFoundException(NOT_FOUND);
    return layer;
  }

  /**
   * ListLayers: every layer with a version matching the filters, by name. The marker is
   * the name of the first layer of the next page.
   */
  async listLayers(query: LayerListQuery): Promise<LayerListPage> {
    const maxItems = checkMaxItems(query.maxItems);
    const matches = this.filter(query);
    const names = await this.store.listLayerNames();
    const layers: LayerListPage['layers'] = [];
    for (const layerName of names) {
      if (query.marker !== undefined && layerName < query.marker) continue;
      const latest = (await this.store.listLayerVersions(layerName)).find(matches);
      if (!latest) continue;
      if (layers.length === maxItems) return { layers, nextMarker: layerName };
      layers.push({ layerName, latestMatchingVersion: latest });
    }
    return { layers };
  }

  /**
   * ListLayerVersions: newest first. A layer without versions gives an empty list, as on
   * AWS. The marker is the version number the next page starts at.
   */
  async listVersions(layerNameOrArn: string, query: LayerListQuery): Promise<LayerVersionPage> {
    const layerName = parseLayerName(layerNameOrArn, this.partition);
    const maxItems = checkMaxItems(query.maxItems);
    const matches = this.filter(query);
    const start = query.marker === undefined ? Number.POSITIVE_INFINITY : Number(query.marker);
    if (Number.isNaN(start)) throw new InvalidParameterValueException(`Invalid marker: ${query.marker}`);
    const all = (await this.store.listLayerVersions(layerName)).filter((v) => v.version <= start && matches(v));
    const page = all.slice(0, maxItems);
    const next = all[maxItems];
    return next === undefined ? { versions: page } : { versions: page, nextMarker: String(next.version) };
  }

  /**
   * DeleteLayerVersion. Deleting a version that does not exist succeeds, as on AWS. The
   * zip stays in the BlobStore: functions that use the version keep running with it.
   */
  async delete(layerNameOrArn: string, version: number): Promise<void> {
    const layerName = parseLayerName(layerNameOrArn, this.partition);
    await this.store.deleteLayerVersion(layerName, version);
  }

  private zipBytes(content: PublishLayerInput['content']): Buffer {
    if (content.s3Bucket !== undefined || content.s3Key !== undefined || content.s3ObjectVersion !== undefined) {
      throw new InvalidParameterValueException('Gust does not read layer content from S3: send the zip in Content.ZipFile.');
    }
    if (content.zipFile === undefined || content.zipFile === '') {
      throw new InvalidParameterValueException('Please provide a source for the layer content: Content.ZipFile.');
    }
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(content.zipFile)) {
      throw new InvalidParameterValueException('Content.ZipFile is not valid base64.');
    }
    return Buffer.from(content.zipFile, 'base64');
  }

  private filter(query: LayerListQuery): (v: LayerVersion) => boolean {
    const { compatibleRuntime: runtime, compatibleArchitecture: arch } = query;
    if (runtime !== undefined) checkRuntime(runtime, 'compatibleRuntime');
    if (arch !== undefined) checkArchitecture(arch, 'compatibleArchitecture');
    return (v) =>
      (runtime === undefined || v.compatibleRuntimes.includes(runtime)) &&
      (arch === undefined || v.compatibleArchitectures.includes(arch));
  }
}
