/**
 * Asynchronous invocation configuration routes, on the SDK model's paths under
 * `/2019-09-25/functions/{FunctionName}/event-invoke-config`: PutFunctionEventInvokeConfig
 * (PUT, replaces), UpdateFunctionEventInvokeConfig (POST, merges),
 * GetFunctionEventInvokeConfig (GET), DeleteFunctionEventInvokeConfig (DELETE, 204) and
 * ListFunctionEventInvokeConfigs (GET `…/list`). The qualifier is the `Qualifier` query
 * parameter or a `:qualifier` suffix of the name.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseFunctionName } from '../../core/arn.js';
import type { DestinationConfigInput, EventInvokeConfigInput } from '../../control/event-invoke-config-service.js';
import type { EventInvokeConfig } from '../../core/model/event-invoke-config.js';
import type { LambdaApiContext } from './context.js';
import { JsonObject, pathParam, queryInt, queryString } from './fn-request.js';

const PATH = '/2019-09-25/functions/:FunctionName/event-invoke-config';

function readDestinationConfig(body: JsonObject): DestinationConfigInput | undefined {
  const config = body.object('DestinationConfig');
  if (!config) return undefined;
  const out: DestinationConfigInput = {};
  for (const [member, key] of [
    ['OnSuccess', 'onSuccess'],
    ['OnFailure', 'onFailure'],
  ] as const) {
    const d = config.object(member);
    if (!d) continue;
    const destination = d.string('Destination');
    out[key] = destination === undefined ? {} : { destination };
  }
  return out;
}

export function registerEventInvokeConfigRoutes(app: FastifyInstance, ctx: LambdaApiContext): void {
  const { partition, eventInvokeConfigs: configs } = ctx;

  /** FunctionEventInvokeConfig: LastModified in epoch seconds, as the model's timestamp is sent. */
  const render = (c: EventInvokeConfig): Record<string, unknown> => ({
    LastModified: c.lastModified / 1000,
    FunctionArn: configs.functionArn(c),
    ...(c.maximumRetryAttempts === undefined ? {} : { MaximumRetryAttempts: c.maximumRetryAttempts }),
    ...(c.maximumEventAgeInSeconds === undefined ? {} : { MaximumEventAgeInSeconds: c.maximumEventAgeInSeconds }),
    // AWS answers with both members, empty when no destination is set.
    DestinationConfig: {
      OnSuccess: c.onSuccess === undefined ? {} : { Destination: c.onSuccess },
      OnFailure: c.onFailure === undefined ? {} : { Destination: c.onFailure },
    },
  });

  const target = (request: FastifyRequest) => {
    const qualifier = queryString(request, 'Qualifier');
    return { function: parseFunctionName(pathParam(request, 'FunctionName'), partition), ...(qualifier === undefined ? {} : { qualifier }) };
  };

  const input = (request: FastifyRequest): EventInvokeConfigInput => {
    const body = JsonObject.fromBody(request);
    const maximumRetryAttempts = body.integer('MaximumRetryAttempts');
    const maximumEventAgeInSeconds = body.integer('MaximumEventAgeInSeconds');
    const destinationConfig = readDestinationConfig(body);
    return {
      ...target(request),
      ...(maximumRetryAttempts === undefined ? {} : { maximumRetryAttempts }),
      ...(maximumEventAgeInSeconds === undefined ? {} : { maximumEventAgeInSeconds }),
      ...(destinationConfig === undefined ? {} : { destinationConfig }),
    };
  };

  app.put(PATH, async (request) => render(await configs.put(input(request))));

  app.post(PATH, async (request) => render(await configs.update(input(request))));

  app.get(PATH, async (request) => {
    const t = target(request);
    return render(configs.get(t.function, t.qualifier));
  });

  app.delete(PATH, async (request, reply) => {
    const t = target(request);
    await configs.delete(t.function, t.qualifier);
    return reply.code(204).send();
  });

  app.get(`${PATH}/list`, async (request) => {
    // The list covers the function and every version and alias; a qualifier suffix is ignored.
    const name = parseFunctionName(pathParam(request, 'FunctionName'), partition).name;
    const page = configs.list(name, { marker: queryString(request, 'Marker'), maxItems: queryInt(request, 'MaxItems', 1, 50) });
    return {
      FunctionEventInvokeConfigs: page.items.map(render),
      ...(page.nextMarker === undefined ? {} : { NextMarker: page.nextMarker }),
    };
  });
}
