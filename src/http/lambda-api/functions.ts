/**
 * Function routes of the Lambda API (`/2015-03-31/functions`): CreateFunction,
 * ListFunctions, GetFunction, GetFunctionConfiguration, UpdateFunctionCode,
 * UpdateFunctionConfiguration and DeleteFunction. Methods, paths and status codes are
 * the SDK model's, except DeleteFunction's 204, which is what Lambda actually sends.
 */
import type { FastifyInstance } from 'fastify';
import { parseFunctionName } from '../../core/arn.js';
import { validationError } from '../../core/errors.js';
import { UPLOAD_BODY_BYTES } from '../body-limits.js';
import type { LambdaApiSpaces } from './context.js';
import { readCode, readConfig } from './fn-inputs.js';
import { functionTarget, JsonObject, pageQuery, pathParam, queryString, unqualifiedFunction } from './fn-request.js';
import { codeLocation, renderConfiguration } from './render-function.js';

const BASE = '/2015-03-31/functions';

const UPDATE_QUALIFIED = 'Updating a version or alias is not supported: versions are immutable. Specify the unqualified function name or ARN.';

export function registerFunctionRoutes(app: FastifyInstance, spaces: LambdaApiSpaces): void {

  app.post(BASE, { bodyLimit: UPLOAD_BODY_BYTES, config: { operation: 'CreateFunction', upload: ['Code', 'ZipFile'] } }, async (request, reply) => {
    const { partition, functions } = spaces.of(request);
    const body = JsonObject.fromBody(request);
    const rawName = body.string('FunctionName');
    if (rawName === undefined) {
      throw validationError(null, 'functionName', 'Member must not be null');
    }
    const ref = parseFunctionName(rawName, partition);
    if (ref.qualifier !== undefined) {
      throw validationError(rawName, 'functionName', 'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)');
    }
    const version = await functions.createFunction({
      ...readConfig(body),
      functionName: ref.name,
      code: readCode(body.object('Code')),
      packageType: body.string('PackageType'),
      architectures: body.stringList('Architectures'),
      publish: body.boolean('Publish'),
      tags: body.stringMap('Tags'),
    });
    return reply.code(201).send(renderConfiguration(partition, version));
  });

  app.get(BASE, async (request) => {
    const { partition, functions } = spaces.of(request);
    const functionVersion = queryString(request, 'FunctionVersion');
    if (functionVersion !== undefined && functionVersion !== 'ALL') {
      throw validationError(functionVersion, 'functionVersion', 'Member must satisfy enum value set: [ALL]');
    }
    const all = functionVersion === 'ALL';
    const page = functions.listFunctions(all, pageQuery(request));
    return {
      Functions: page.items.map((v) => renderConfiguration(partition, v, { list: true, arnQualifier: all ? v.version : undefined })),
      ...(page.nextMarker === undefined ? {} : { NextMarker: page.nextMarker }),
    };
  });

  app.get(`${BASE}/:FunctionName`, async (request) => {
    const { partition, functions, baseUrl, codeUrls } = spaces.of(request);
    const { name, qualifier } = functionTarget(request, partition);
    const { record, version } = functions.getFunction(name, qualifier);
    return {
      Configuration: renderConfiguration(partition, version, { arnQualifier: qualifier }),
      Code: { RepositoryType: 'S3', Location: codeLocation(baseUrl(), version.codeHash, codeUrls) },
      ...(Object.keys(record.tags).length > 0 ? { Tags: { ...record.tags } } : {}),
      ...(record.reservedConcurrency === undefined ? {} : { Concurrency: { ReservedConcurrentExecutions: record.reservedConcurrency } }),
    };
  });

  app.get(`${BASE}/:FunctionName/configuration`, async (request) => {
    const { partition, functions } = spaces.of(request);
    const { name, qualifier } = functionTarget(request, partition);
    const { version } = functions.getFunction(name, qualifier);
    return renderConfiguration(partition, version, { arnQualifier: qualifier });
  });

  app.put(`${BASE}/:FunctionName/code`, { bodyLimit: UPLOAD_BODY_BYTES, config: { operation: 'UpdateFunctionCode', upload: ['ZipFile'] } }, async (request) => {
    const { partition, functions } = spaces.of(request);
    const name = unqualifiedFunction(parseFunctionName(pathParam(request, 'FunctionName'), partition), UPDATE_QUALIFIED);
    const body = JsonObject.fromBody(request);
    const publish = body.boolean('Publish');
    const version = await functions.updateFunctionCode({
      functionName: name,
      code: readCode(body),
      architectures: body.stringList('Architectures'),
      publish,
      dryRun: body.boolean('DryRun'),
      revisionId: body.string('RevisionId'),
    });
    return renderConfiguration(partition, version, { arnQualifier: publish ? version.version : undefined });
  });

  app.put(`${BASE}/:FunctionName/configuration`, async (request) => {
    const { partition, functions } = spaces.of(request);
    const name = unqualifiedFunction(parseFunctionName(pathParam(request, 'FunctionName'), partition), UPDATE_QUALIFIED);
    const body = JsonObject.fromBody(request);
    const version = await functions.updateFunctionConfiguration({ ...readConfig(body), functionName: name, revisionId: body.string('RevisionId') });
    return renderConfiguration(partition, version);
  });

  app.delete(`${BASE}/:FunctionName`, async (request, reply) => {
    const { partition, functions } = spaces.of(request);
    const { name, qualifier } = functionTarget(request, partition);
    await functions.deleteFunction(name, qualifier);
    return reply.code(204).send();
  });
}
