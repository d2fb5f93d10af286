/**
 * Gust's own metrics routes:
 * - `GET /metrics`: the Prometheus exposition of the whole server (every account). A
 *   scraper presents the server's metrics token (`Authorization: Bearer <token>`, the
 *   contents of `<data-dir>/metrics.token`), because Prometheus cannot sign SigV4; without
 *   a bearer token the request must be SigV4-signed by the server's own account, whose
 *   operator may see every account's series. On an open server anything goes.
 * - `GET /gust/metrics/history?function=<name>`: one function of the caller's account,
 *   minute by minute over the last hour (the console's charts).
 * - `GET /gust/metrics/summary`: the caller's account's functions over the last 60 s
 *   (`gust top`, the console's list).
 * See docs/metrics.md.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Verified } from '../../auth/caller.js';
import type { RequestToVerify } from '../../auth/verifier.js';
import { AuthFailure } from '../../core/auth-failure.js';
import { AccessDeniedException, InvalidParameterValueException } from '../../core/errors.js';
import { toVerify } from '../edge-auth.js';
import type { HttpPlugin } from '../server.js';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface MetricsApiContext {
  scrape(): Promise<{ contentType: string; body: string }>;
  history(accountId: string, functionName: string): unknown;
  summary(accountId: string): unknown;
  /** The scrape token of `<data-dir>/metrics.token`. */
  token: string;
  /** The server's own account: the one that may scrape with a signature, and the caller's on an open server. */
  accountId: string;
  /** The edge's verifier: a signed scrape is checked as any other request. */
  verifier: { verify(request: RequestToVerify): Promise<Verified> };
}

function tokenMatches(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function checkScrape(request: FastifyRequest, ctx: MetricsApiContext): Promise<void> {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
  if (bearer !== undefined) {
    if (!tokenMatches(bearer, ctx.token)) throw new AuthFailure('invalid-token', {});
    return;
  }
  const { caller } = await ctx.verifier.verify(toVerify(request, EMPTY_SHA256));
  if (caller.accountId !== ctx.accountId) {
    throw new AccessDeniedException(`/metrics shows every account's functions: sign with a key of the server's account ${ctx.accountId}, or present the metrics token.`);
  }
}

export function metricsApi(ctx: MetricsApiContext): HttpPlugin {
  const accountOf = (request: FastifyRequest) => request.caller?.accountId ?? ctx.accountId;
  return {
    register(app) {
      // The edge would ask for a signature only; this route also takes the bearer token (checkScrape).
      app.get('/metrics', { config: { auth: 'none' } }, async (request, reply) => {
        await checkScrape(request, ctx);
        const { contentType, body } = await ctx.scrape();
        return reply.type(contentType).send(body);
      });
      app.get('/gust/metrics/history', async (request) => {
        const name = (request.query as Record<string, unknown>)['function'];
        if (typeof name !== 'string' || name === '') throw new InvalidParameterValueException('function is required: the name of a function of your account.');
        return ctx.history(accountOf(request), name);
      });
      app.get('/gust/metrics/summary', async (request) => ctx.summary(accountOf(request)));
    },
  };
}
