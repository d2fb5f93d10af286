/**
 * Gust's routes (not S3's) for buckets of external S3-compatible stores:
 * - `POST /gust/external-buckets` `{"Bucket": "photos"}`: makes a Gust bucket that stands
 *   for a bucket of another store; its notification configuration is then set with S3's
 *   own PutBucketNotificationConfiguration, and the answer says where the store sends its
 *   events (`gust buckets link`).
 * - `POST /gust/s3-events`: the webhook such a store sends its event records to, with the
 *   server's token as `Authorization: Bearer <token>` (MinIO's `auth_token`), the bare
 *   token, or `?token=` (Ceph's push endpoints carry no header). It answers 200 once the
 *   notifications are committed to the outbox, so a store that retries until then (MinIO's
 *   `queue_dir`) loses none.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AccessDenied, InvalidArgument } from '../../core/s3-errors.js';
import { readExternalEvents } from '../../control/s3/external-events.js';
import type { S3Service } from '../../control/s3/s3-service.js';
import { jsonBody } from '../body.js';
import type { HttpPlugin } from '../server.js';

export interface S3EventsContext {
  service: Pick<S3Service, 'linkExternal' | 'announceExternal'>;
  token: string;
  now(): number;
  /** The server's base URL as clients reach it. */
  baseUrl(): string;
}

function presented(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (header !== undefined) return header.replace(/^Bearer\s+/i, '').trim();
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.['token'] === 'string' ? query['token'] : '';
}

function checkToken(request: FastifyRequest, token: string): void {
  const given = Buffer.from(presented(request));
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AccessDenied('Bucket events need the token that `gust buckets link` prints.');
  }
}

export function s3EventsApi(ctx: S3EventsContext): HttpPlugin {
  return {
    register(app) {
      app.post('/gust/external-buckets', async (request) => {
        const name = jsonBody(request)['Bucket'];
        if (typeof name !== 'string') throw new InvalidArgument('Bucket is required: the name of the bucket in the external store.');
        await ctx.service.linkExternal(name);
        return { Bucket: name, Webhook: `${ctx.baseUrl()}/gust/s3-events`, Token: ctx.token };
      });
      // The store cannot sign with Gust's keys: the webhook checks its own token instead (edge-auth.ts).
      app.post('/gust/s3-events', { config: { auth: 'none' } }, async (request) => {
        checkToken(request, ctx.token);
        const events = readExternalEvents(jsonBody(request), ctx.now());
        const { announced, ignored } = await ctx.service.announceExternal(events);
        if (ignored > 0) request.log.warn({ ignored }, 'bucket events for buckets not linked with `gust buckets link` were left out');
        return { Announced: announced, Ignored: ignored };
      });
    },
  };
}
