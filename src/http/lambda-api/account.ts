/** GetAccountSettings (`/2016-08-19/account-settings`): the account's limits and usage. */
import type { FastifyInstance } from 'fastify';
import type { LambdaApiContext } from './context.js';

export function registerAccountRoutes(app: FastifyInstance, ctx: LambdaApiContext): void {
  app.get('/2016-08-19/account-settings', async () => {
    const { accountLimit: limit, accountUsage: usage } = await ctx.functions.getAccountSettings();
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
