/**
 * Resource-based policy routes of the Lambda API (`/2015-03-31/functions/{FunctionName}/policy`):
 * AddPermission (201, the new statement as a JSON string), GetPolicy (the document as a
 * JSON string, and the RevisionId) and RemovePermission (`…/policy/{StatementId}`, 204).
 * The qualifier is the `Qualifier` query parameter or a `:version`/`:alias` suffix of the
 * name; RemovePermission's `RevisionId` is a query parameter, AddPermission's a body member.
 */
import type { FastifyInstance } from 'fastify';
import type { LambdaApiSpaces } from './context.js';
import { JsonObject, functionTarget, pathParam, queryString } from './fn-request.js';

const PATH = '/2015-03-31/functions/:FunctionName/policy';

export function registerPolicyRoutes(app: FastifyInstance, spaces: LambdaApiSpaces): void {

  app.post(PATH, async (request, reply) => {
    const { partition, functions } = spaces.of(request);
    const body = JsonObject.fromBody(request);
    const { name, qualifier } = functionTarget(request, partition);
    const statement = await functions.addPermission({
      functionName: name,
      qualifier,
      statementId: body.string('StatementId'),
      action: body.string('Action'),
      principal: body.string('Principal'),
      sourceArn: body.string('SourceArn'),
      sourceAccount: body.string('SourceAccount'),
      eventSourceToken: body.string('EventSourceToken'),
      principalOrgId: body.string('PrincipalOrgID'),
      functionUrlAuthType: body.string('FunctionUrlAuthType'),
      invokedViaFunctionUrl: body.boolean('InvokedViaFunctionUrl'),
      revisionId: body.string('RevisionId'),
    });
    return reply.code(201).send({ Statement: JSON.stringify(statement) });
  });

  app.get(PATH, async (request) => {
    const { partition, functions } = spaces.of(request);
    const { name, qualifier } = functionTarget(request, partition);
    const view = functions.getPolicy(name, qualifier);
    return { Policy: view.policy, RevisionId: view.revisionId };
  });

  app.delete(`${PATH}/:StatementId`, async (request, reply) => {
    const { partition, functions } = spaces.of(request);
    const { name, qualifier } = functionTarget(request, partition);
    await functions.removePermission({ functionName: name, qualifier, statementId: pathParam(request, 'StatementId'), revisionId: queryString(request, 'RevisionId') });
    return reply.code(204).send();
  });
}
