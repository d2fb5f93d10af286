/**
 * Layer routes of the Lambda API (`/2018-10-31/layers`): parse the request, call
 * LayerService, render AWS's shapes. Paths, methods and status codes are the SDK
 * model's (PublishLayerVersion 201, DeleteLayerVersion 204, the rest 200).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { layerArn, type Partition } from '../../core/arn.js';
import { InvalidRequestContentException } from '../../core/errors.js';
import type { LayerVersion } from '../../core/model/layers.js';
import type { LayerListQuery } from '../../control/layer-service.js';
import { parseMaxItems, parseVersionNumber } from '../../control/layer-validation.js';
import { jsonBody } from '../body.js';
import { UPLOAD_BODY_BYTES } from '../body-limits.js';
import { JsonObject } from './fn-request.js';
import type { LambdaApiContext, LambdaApiSpaces } from './context.js';
import { codeLocation } from './render-function.js';

const BASE = '/2018-10-31/layers';

type Params = { LayerName: string; VersionNumber: string };
type Query = Record<string, string | string[] | undefined>;

/** AWS's timestamp form for CreatedDate: `2024-01-02T03:04:05.678+0000`. */
function awsDate(iso: string): string {
  return new Date(iso).toISOString().replace('Z', '+0000');
}

/** The fields GetLayerVersion, PublishLayerVersion and the list items share. */
function versionFields(p: Partition, l: LayerVersion): Record<string, unknown> {
  return {
    LayerVersionArn: layerArn(p, l.layerName, l.version),
    Version: l.version,
    Description: l.description,
    CreatedDate: awsDate(l.createdDate),
    // AWS leaves these out when the publisher gave none.
    ...(l.compatibleRuntimes.length > 0 ? { CompatibleRuntimes: l.compatibleRuntimes } : {}),
    ...(l.compatibleArchitectures.length > 0 ? { CompatibleArchitectures: l.compatibleArchitectures } : {}),
    ...(l.licenseInfo === undefined ? {} : { LicenseInfo: l.licenseInfo }),
  };
}

/** GetLayerVersion / PublishLayerVersion response. */
function renderLayerVersion(ctx: LambdaApiContext, l: LayerVersion): Record<string, unknown> {
  return {
    Content: { Location: codeLocation(ctx.baseUrl(), l.codeHash, ctx.codeUrls), CodeSha256: l.codeSha256, CodeSize: l.codeSize },
    LayerArn: layerArn(ctx.partition, l.layerName),
    ...versionFields(ctx.partition, l),
  };
}

function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new InvalidRequestContentException(`Could not parse request body into json: ${field} must be a string`);
  return v;
}

function optionalStringList(body: Record<string, unknown>, field: string): string[] | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw new InvalidRequestContentException(`Could not parse request body into json: ${field} must be a list of strings`);
  }
  return v as string[];
}

function optionalObject(body: Record<string, unknown>, field: string): Record<string, unknown> {
  const v = body[field];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new InvalidRequestContentException(`Could not parse request body into json: ${field} must be an object`);
  return v as Record<string, unknown>;
}

/** A query parameter given once; a repeated parameter counts as its first value. */
function queryString(query: Query, name: string): string | undefined {
  const v = query[name];
  return Array.isArray(v) ? v[0] : v;
}

function listQuery(query: Query): LayerListQuery {
  const maxItems = queryString(query, 'MaxItems');
  const q: LayerListQuery = {};
  const runtime = queryString(query, 'CompatibleRuntime');
  const arch = queryString(query, 'CompatibleArchitecture');
  const marker = queryString(query, 'Marker');
  if (runtime !== undefined) q.compatibleRuntime = runtime;
  if (arch !== undefined) q.compatibleArchitecture = arch;
  if (marker !== undefined) q.marker = marker;
  if (maxItems !== undefined) q.maxItems = parseMaxItems(maxItems);
  return q;
}

export function registerLayerRoutes(app: FastifyInstance, spaces: LambdaApiSpaces): void {
  // ListLayers and GetLayerVersionByArn share the path; `find=LayerVersion` selects the latter.
  app.get(BASE, async (request: FastifyRequest<{ Querystring: Query }>) => {
    const ctx = spaces.of(request);
    const query = request.query;
    if (queryString(query, 'find') === 'LayerVersion') {
      const arn = queryString(query, 'Arn') ?? '';
      return renderLayerVersion(ctx, await ctx.layers.getByArn(arn));
    }
    const page = await ctx.layers.listLayers(listQuery(query));
    return {
      Layers: page.layers.map(({ layerName, latestMatchingVersion }) => ({
        LayerName: layerName,
        LayerArn: layerArn(ctx.partition, layerName),
        LatestMatchingVersion: versionFields(ctx.partition, latestMatchingVersion),
      })),
      ...(page.nextMarker === undefined ? {} : { NextMarker: page.nextMarker }),
    };
  });

  app.post(`${BASE}/:LayerName/versions`, { bodyLimit: UPLOAD_BODY_BYTES, config: { operation: 'PublishLayerVersion', upload: ['Content', 'ZipFile'] } }, async (request: FastifyRequest<{ Params: Params }>, reply) => {
    const ctx = spaces.of(request);
    const body = jsonBody(request);
    const content = optionalObject(body, 'Content');
    const zipFile = new JsonObject(content, 'Content.').zip('ZipFile');
    const s3Bucket = optionalString(content, 'S3Bucket');
    const s3Key = optionalString(content, 'S3Key');
    const s3ObjectVersion = optionalString(content, 'S3ObjectVersion');
    const description = optionalString(body, 'Description');
    const compatibleRuntimes = optionalStringList(body, 'CompatibleRuntimes');
    const compatibleArchitectures = optionalStringList(body, 'CompatibleArchitectures');
    const licenseInfo = optionalString(body, 'LicenseInfo');
    const layer = await ctx.layers.publish({
      layerName: request.params.LayerName,
      content: {
        ...(zipFile === undefined ? {} : { zipFile }),
        ...(s3Bucket === undefined ? {} : { s3Bucket }),
        ...(s3Key === undefined ? {} : { s3Key }),
        ...(s3ObjectVersion === undefined ? {} : { s3ObjectVersion }),
      },
      ...(description === undefined ? {} : { description }),
      ...(compatibleRuntimes === undefined ? {} : { compatibleRuntimes }),
      ...(compatibleArchitectures === undefined ? {} : { compatibleArchitectures }),
      ...(licenseInfo === undefined ? {} : { licenseInfo }),
    });
    return reply.status(201).send(renderLayerVersion(ctx, layer));
  });

  app.get(`${BASE}/:LayerName/versions`, async (request: FastifyRequest<{ Params: Params; Querystring: Query }>) => {
    const ctx = spaces.of(request);
    const page = await ctx.layers.listVersions(request.params.LayerName, listQuery(request.query));
    return {
      LayerVersions: page.versions.map((v) => versionFields(ctx.partition, v)),
      ...(page.nextMarker === undefined ? {} : { NextMarker: page.nextMarker }),
    };
  });

  app.get(`${BASE}/:LayerName/versions/:VersionNumber`, async (request: FastifyRequest<{ Params: Params }>) => {
    const ctx = spaces.of(request);
    const { LayerName, VersionNumber } = request.params;
    return renderLayerVersion(ctx, await ctx.layers.get(LayerName, parseVersionNumber(VersionNumber)));
  });

  app.delete(`${BASE}/:LayerName/versions/:VersionNumber`, async (request: FastifyRequest<{ Params: Params }>, reply) => {
    const ctx = spaces.of(request);
    const { LayerName, VersionNumber } = request.params;
    await ctx.layers.delete(LayerName, parseVersionNumber(VersionNumber));
    return reply.status(204).send();
  });
}
