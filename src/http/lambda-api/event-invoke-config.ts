/**
 * Asynchronous invocation configuration routes, on the SDK model's paths under
 * `/2019-09-25/functions/{FunctionName}/event-invoke-config`: PutFunctionEventInvokeConfig
 * (PUT, replaces), UpdateFunctionEventInvokeConfig (POST, merges),
 * GetFunctionEventInvokeConfig (GET), DeleteFunctionEventInvokeConfig (DELETE, 204) and
 * ListFunctionEventInvokeConfigs (GET `…/list`). The qualifier is the `Qualifier` query
 * parameter or a `:qualifier` suffix of the name.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseFunctionName, type Partition } from '../../core/arn.js';
import type { DestinationConfigInput, EventInvokeConfigInput } from '../../control/event-invoke-config-service.js';
import type { EventInvokeConfig } from '../../core/model/event-invoke-config.js';
import type { LambdaApiContext, LambdaApiSpaces } from './context.js';
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

export function registerEventInvokeConfigRoutes(app: FastifyInstance, spaces: LambdaApiSpaces): void {
  /** FunctionEventInvokeConfig: LastModified in epoch seconds, as the model's timestamp is sent. */
  const render = (configs: LambdaApiContext['eventInvokeConfigs'], c: EventInvokeConfig): Record<string, unknown> => ({
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

  const target = (request: FastifyRequest, partition: Partition) => {
    const qualifier = queryString(request, 'Qualifier');
    return { function: parseFunctionName(pathParam(request, 'FunctionName'), partition), ...(qualifier === undefined ? {} : { qualifier }) };
  };

  const input = (request: FastifyRequest, partition: Partition): EventInvokeConfigInput => {
    const body = JsonObject.fromBody(request);
    const maximumRetryAttempts = body.integer('MaximumRetryAttempts');
    const maximumEventAgeInSeconds = body.integer('MaximumEventAgeInSeconds');
    const destinationConfig = readDestinationConfig(body);
    return {
      ...target(request, partition),
      ...(maximumRetryAttempts === undefined ? {} : { maximumRetryAttempts }),
      ...(maximumEventAgeInSeconds === undefined ? {} : { maximumEventAgeInSeconds }),
      ...(destinationConfig === undefined ? {} : { destinationConfig }),
    };
  };

  app.put(PATH, async (request) => {
    const { partition, eventInvokeConfigs: configs } = spaces.of(request);
    return render(configs, await configs.put(input(request, partition)));
  });

  app.post(PATH, async (request) => {
    const { partition, eventInvokeConfigs: configs } = spaces.of(request);
    return render(configs, await configs.update(input(request, partition)));
  });

  app.get(PATH, async (request) => {
    const { partition, eventInvokeConfigs: configs } = spaces.of(request);
    const t = target(request, partition);
    return render(configs, configs.get(t.function, t.qualifier));
  });

  app.delete(PATH, async (request, reply) => {
    const { partition, eventInvokeConfigs: configs } = spaces.of(request);
    const t = target(request, partition);
    await configs.delete(t.function, t.qualifier);
    return reply.code(204).send();
  });

  app.get(`${PATH}/list`, async (request) => {
    const { partition, eventInvokeConfigs: configs } = spaces.of(request);
    // The list covers the function and every version and alias; a qualifier suffix is ignored.
    const name = parseFunctionName(pathParam(request, 'FunctionName'), partition).name;
    const page = configs.list(name, { marker: queryString(request, 'Marker'), maxItems: queryInt(request, 'MaxItems', 1, 50) });
    return {
      FunctionEventInvokeConfigs: page.items.map((c) => render(configs, c)),
      ...(page.nextMarker === undefined ? {} : { NextMarker: page.nextMarker }),
    };
  });
}
