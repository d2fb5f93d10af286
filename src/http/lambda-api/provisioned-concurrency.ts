/**
 * Provisioned concurrency routes (`/2019-09-30/functions/{FunctionName}/provisioned-concurrency`):
 * PutProvisionedConcurrencyConfig (202), GetProvisionedConcurrencyConfig,
 * DeleteProvisionedConcurrencyConfig (204), and ListProvisionedConcurrencyConfigs, the same
 * path with `List=ALL`. The qualifier is the `Qualifier` query parameter or a suffix of the name.
 */
import type { FastifyInstance } from 'fastify';
import { functionArn, parseFunctionName } from '../../core/arn.js';
import type { ProvisionedConcurrencyView } from '../../invoke/provisioned-concurrency.js';
import type { LambdaApiSpaces } from './context.js';
import { JsonObject, functionTarget, pageQuery, pathParam, queryString } from './fn-request.js';
import { formatLastModified } from './render-function.js';

const PATH = '/2019-09-30/functions/:FunctionName/provisioned-concurrency';

/** The members of Get's and Put's answers, in the SDK model's order. */
function render(view: ProvisionedConcurrencyView): Record<string, unknown> {
  return {
    RequestedProvisionedConcurrentExecutions: view.requested,
    AvailableProvisionedConcurrentExecutions: view.available,
    AllocatedProvisionedConcurrentExecutions: view.allocated,
    Status: view.status,
    ...(view.statusReason === undefined ? {} : { StatusReason: view.statusReason }),
    LastModified: formatLastModified(view.lastModified),
  };
}

export function registerProvisionedConcurrencyRoutes(app: FastifyInstance, spaces: LambdaApiSpaces): void {
  // In a cluster the keeper, which keeps the provisioned environments, answers these (http/hand-over.ts).
  const kept = { config: { keeper: true } };
  app.put(PATH, kept, async (request, reply) => {
    const { partition, provisioned } = spaces.of(request);
    const { name, qualifier } = functionTarget(request, partition);
    const view = await provisioned.put(name, qualifier, JsonObject.fromBody(request).integer('ProvisionedConcurrentExecutions'));
    return reply.code(202).send(render(view));
  });

  app.get(PATH, kept, async (request) => {
    const { partition, provisioned } = spaces.of(request);
    if (queryString(request, 'List') === 'ALL') {
      // The list covers the function's versions and aliases; a qualifier suffix is ignored.
      const name = parseFunctionName(pathParam(request, 'FunctionName'), partition).name;
      const page = provisioned.list(name, pageQuery(request));
      return {
        ProvisionedConcurrencyConfigs: page.items.map((view) => ({ FunctionArn: functionArn(partition, name, view.qualifier), ...render(view) })),
        ...(page.nextMarker === undefined ? {} : { NextMarker: page.nextMarker }),
      };
    }
    const { name, qualifier } = functionTarget(request, partition);
    return render(provisioned.get(name, qualifier));
  });

  app.delete(PATH, kept, async (request, reply) => {
    const { partition, provisioned } = spaces.of(request);
    const { name, qualifier } = functionTarget(request, partition);
    await provisioned.delete(name, qualifier);
    return reply.code(204).send();
  });
}
