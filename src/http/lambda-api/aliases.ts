/**
 * Alias routes of the Lambda API (`/2015-03-31/functions/{FunctionName}/aliases`):
 * CreateAlias (201), ListAliases, GetAlias, UpdateAlias and DeleteAlias (204).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseFunctionName, type Partition } from '../../core/arn.js';
import type { LambdaApiSpaces } from './context.js';
import { JsonObject, pageQuery, pathParam, queryString, unqualifiedFunction } from './fn-request.js';
import { renderAlias } from './render-function.js';

const BASE = '/2015-03-31/functions/:FunctionName/aliases';

const QUALIFIED = 'Aliases belong to the function: specify the unqualified function name or ARN.';

function functionName(request: FastifyRequest, partition: Partition): string {
  return unqualifiedFunction(parseFunctionName(pathParam(request, 'FunctionName'), partition), QUALIFIED);
}

/** RoutingConfig.AdditionalVersionWeights; undefined when RoutingConfig is absent. */
function readWeights(body: JsonObject): Record<string, number> | undefined {
  const routing = body.object('RoutingConfig');
  if (!routing) return undefined;
  return routing.numberMap('AdditionalVersionWeights') ?? {};
}

export function registerAliasRoutes(app: FastifyInstance, spaces: LambdaApiSpaces): void {

  app.post(BASE, async (request, reply) => {
    const { partition, functions } = spaces.of(request);
    const body = JsonObject.fromBody(request);
    const alias = await functions.createAlias({
      functionName: functionName(request, partition),
      name: body.string('Name') ?? '',
      functionVersion: body.string('FunctionVersion'),
      description: body.string('Description'),
      additionalVersionWeights: readWeights(body),
    });
    return reply.code(201).send(renderAlias(partition, alias));
  });

  app.get(BASE, async (request) => {
    const { partition, functions } = spaces.of(request);
    const page = functions.listAliases(functionName(request, partition), queryString(request, 'FunctionVersion'), pageQuery(request));
    return {
      Aliases: page.items.map((a) => renderAlias(partition, a)),
      ...(page.nextMarker === undefined ? {} : { NextMarker: page.nextMarker }),
    };
  });

  app.get(`${BASE}/:Name`, async (request) => {
    const { partition, functions } = spaces.of(request);
    return renderAlias(partition, functions.getAlias(functionName(request, partition), pathParam(request, 'Name')));
  });

  app.put(`${BASE}/:Name`, async (request) => {
    const { partition, functions } = spaces.of(request);
    const body = JsonObject.fromBody(request);
    const alias = await functions.updateAlias({
      functionName: functionName(request, partition),
      name: pathParam(request, 'Name'),
      functionVersion: body.string('FunctionVersion'),
      description: body.string('Description'),
      additionalVersionWeights: readWeights(body),
      revisionId: body.string('RevisionId'),
    });
    return renderAlias(partition, alias);
  });

  app.delete(`${BASE}/:Name`, async (request, reply) => {
    const { partition, functions } = spaces.of(request);
    await functions.deleteAlias(functionName(request, partition), pathParam(request, 'Name'));
    return reply.code(204).send();
  });
}
