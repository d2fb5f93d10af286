/**
 * `GET /gust/code/{hash}.zip`: downloads a stored code package. GetFunction's
 * Code.Location and GetLayerVersion's Content.Location point here, where AWS would
 * hand out a presigned S3 URL; on a server that verifies requests they carry a signed,
 * expiring query of Gust's (auth/code-urls.ts), and a SigV4-signed request works too.
 */
import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { AuthFailure } from '../../core/auth-failure.js';
import { ResourceNotFoundException } from '../../core/errors.js';
import type { LambdaApiSpaces } from './context.js';
import { pathParam } from './fn-request.js';

export function registerCodeRoutes(app: FastifyInstance, spaces: LambdaApiSpaces): void {
  // The route checks its own access (a signed location, or a signed request): see code-urls.ts.
  app.get('/gust/code/:file', { config: { auth: 'none' } }, async (request, reply) => {
    const ctx = spaces.of(request);
    const file = pathParam(request, 'file');
    const hash = /^([0-9a-f]{64})\.zip$/.exec(file)?.[1];
    if (ctx.codeUrls && !(await ctx.codeUrls.allows(request, hash ?? ''))) throw new AuthFailure('missing');
    const blob = hash === undefined ? undefined : await ctx.code.stat(hash);
    if (hash === undefined || !blob) throw new ResourceNotFoundException(`Code package not found: ${file}`);
    return reply
      .header('content-type', 'application/zip')
      .header('content-length', String(blob.size))
      .send(createReadStream(ctx.code.zipPath(hash)));
  });
}
