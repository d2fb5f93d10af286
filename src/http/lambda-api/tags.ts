/**
 * Tag routes of the Lambda API (`/2017-03-31/tags/{ARN}`): TagResource (204),
 * UntagResource (204, keys in repeated `tagKeys` query parameters) and ListTags.
 */
import type { FastifyInstance } from 'fastify';
import { validationError } from '../../core/errors.js';
import type { LambdaApiSpaces } from './context.js';
import { JsonObject, pathParam, queryList } from './fn-request.js';

const PATH = '/2017-03-31/tags/:ARN';

export function registerTagRoutes(app: FastifyInstance, spaces: LambdaApiSpaces): void {

  app.post(PATH, async (request, reply) => {
    const { functions } = spaces.of(request);
    const tags = JsonObject.fromBody(request).stringMap('Tags');
    if (tags === undefined) {
      throw validationError(null, 'tags', 'Member must not be null');
    }
    await functions.tagResource(pathParam(request, 'ARN'), tags);
    return reply.code(204).send();
  });

  app.delete(PATH, async (request, reply) => {
    const { functions } = spaces.of(request);
    await functions.untagResource(pathParam(request, 'ARN'), queryList(request, 'tagKeys'));
    return reply.code(204).send();
  });

  app.get(PATH, async (request) => ({ Tags: { ...spaces.of(request).functions.listTags(pathParam(request, 'ARN')) } }));
}
