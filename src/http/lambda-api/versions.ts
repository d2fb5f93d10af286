/**
 * Version routes of the Lambda API: PublishVersion (201) and ListVersionsByFunction,
 * both on `/2015-03-31/functions/{FunctionName}/versions`.
 */
import type { FastifyInstance } from 'fastify';
import { parseFunctionName } from '../../core/arn.js';
import type { LambdaApiSpaces } from './context.js';
import { JsonObject, pageQuery, pathParam, unqualifiedFunction } from './fn-request.js';
import { renderConfiguration } from './render-function.js';

const PATH = '/2015-03-31/functions/:FunctionName/versions';

const QUALIFIED = 'Versions are published from $LATEST: specify the unqualified function name or ARN.';

export function registerVersionRoutes(app: FastifyInstance, spaces: LambdaApiSpaces): void {

  app.post(PATH, async (request, reply) => {
    const { partition, functions } = spaces.of(request);
    const name = unqualifiedFunction(parseFunctionName(pathParam(request, 'FunctionName'), partition), QUALIFIED);
    const body = JsonObject.fromBody(request);
    const version = await functions.publishVersion({
      functionName: name,
      codeSha256: body.string('CodeSha256'),
      description: body.string('Description'),
      revisionId: body.string('RevisionId'),
    });
    return reply.code(201).send(renderConfiguration(partition, version, { arnQualifier: version.version }));
  });

  app.get(PATH, async (request) => {
    const { partition, functions } = spaces.of(request);
    const name = unqualifiedFunction(parseFunctionName(pathParam(request, 'FunctionName'), partition), QUALIFIED);
    const page = functions.listVersions(name, pageQuery(request));
    return {
      Versions: page.items.map((v) => renderConfiguration(partition, v, { list: true, arnQualifier: v.version })),
      ...(page.nextMarker === undefined ? {} : { NextMarker: page.nextMarker }),
    };
  });
}
