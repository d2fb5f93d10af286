/** GetAccountSettings (`/2016-08-19/account-settings`): the account's limits and usage. */
import type { FastifyInstance } from 'fastify';
import type { LambdaApiSpaces } from './context.js';

export function registerAccountRoutes(app: FastifyInstance, spaces: LambdaApiSpaces): void {
  app.get('/2016-08-19/account-settings', async (request) => {
    const { accountLimit: limit, accountUsage: usage } = await spaces.of(request).functions.getAccountSettings();
    return {
      AccountLimit: {
        TotalCodeSize: limit.totalCodeSize,
        CodeSizeUnzipped: limit.codeSizeUnzipped,
        CodeSizeZipped: limit.codeSizeZipped,
        ConcurrentExecutions: limit.concurrentExecutions,
        UnreservedConcurrentExecutions: limit.unreservedConcurrentExecutions,
      },
      AccountUsage: { TotalCodeSize: usage.totalCodeSize, FunctionCount: usage.functionCount },
    };
  });
}
