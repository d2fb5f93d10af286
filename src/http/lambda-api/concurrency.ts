/**
 * Reserved concurrency routes, on the dated paths of the SDK model:
 * PutFunctionConcurrency and DeleteFunctionConcurrency (204) under `/2017-10-31`,
 * GetFunctionConcurrency under `/2019-09-30`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseFunctionName, type Partition } from '../../core/arn.js';
import { validationError } from '../../core/errors.js';
import type { LambdaApiSpaces } from './context.js';
import { JsonObject, pathParam, unqualifiedFunction } from './fn-request.js';

const QUALIFIED =
  'This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.';

function functionName(request: FastifyRequest, partition: Partition): string {
  return unqualifiedFunction(parseFunctionName(pathParam(request, 'FunctionName'), partition), QUALIFIED);
}

export function registerConcurrencyRoutes(app: FastifyInstance, spaces: LambdaApiSpaces): void {

  app.put('/2017-10-31/functions/:FunctionName/concurrency', async (request) => {
    const { partition, functions } = spaces.of(request);
    const name = functionName(request, partition);
    const reserved = JsonObject.fromBody(request).integer('ReservedConcurrentExecutions');
    if (reserved === undefined) {
      throw validationError(null, 'reservedConcurrentExecutions', 'Member must not be null');
    }
    return { ReservedConcurrentExecutions: await functions.putFunctionConcurrency(name, reserved) };
  });

  app.get('/2019-09-30/functions/:FunctionName/concurrency', async (request) => {
    const { partition, functions } = spaces.of(request);
    const reserved = functions.getFunctionConcurrency(functionName(request, partition));
    return reserved === undefined ? {} : { ReservedConcurrentExecutions: reserved };
  });

  app.delete('/2017-10-31/functions/:FunctionName/concurrency', async (request, reply) => {
    const { partition, functions } = spaces.of(request);
    await functions.deleteFunctionConcurrency(functionName(request, partition));
    return reply.code(204).send();
  });
}
