/**
 * The web console at `/console/` (docs/console.md): its files, and its session routes.
 * Its data comes from the routes the SDK and the CLI use, which the edge lets a signed-in
 * console call with its cookie (session-auth.ts); this plugin only serves pages and signs in.
 * Every route here says `auth: 'none'`: the page must load before anyone signed in.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../../auth/caller.js';
import type { HttpPlugin } from '../server.js';
import { assetAt, contentSecurityPolicy } from './assets.js';
import { CONSOLE_HEADER, cookieValue, SESSION_COOKIE, type SessionLookup } from './session-auth.js';

/** What the console takes from the composition root. */
export interface ConsoleContext {
  sessions: SessionLookup & {
    /** A session for the key when the secret is its own; undefined otherwise. */
    signIn(accessKeyId: string, secretAccessKey: string): Promise<{ caller: Caller; token: string; expires: number } | undefined>;
  };
  /** Whether requests are verified now; with no key (an open server) the console needs no sign-in. */
  enforcing(): Promise<boolean>;
}

const NONE = { config: { auth: 'none' as const } };

function cookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  // Path=/ because the console's data routes (/gust/…, /2015-03-31/…) are outside /console/.
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

/** POSTs and DELETEs must carry the console's header: no form of another site can (see session-auth.ts). */
function fromConsole(request: FastifyRequest, reply: FastifyReply): boolean {
  if (request.headers[CONSOLE_HEADER] === '1') return true;
  void reply.code(403).send({ message: `missing the ${CONSOLE_HEADER} header` });
  return false;
}

async function sendAsset(reply: FastifyReply, path: string): Promise<FastifyReply> {
  const asset = await assetAt(path);
  if (!asset) return reply.code(404).type('text/plain').send('not found');
  void reply.type(asset.type).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
  if (path === 'index.html') {
    void reply.header('content-security-policy', contentSecurityPolicy(asset.body.toString('utf8'))).header('x-frame-options', 'DENY').header('cache-control', 'no-store');
  }
  return reply.send(asset.body);
}

export function webConsole(ctx: ConsoleContext): HttpPlugin {
  return {
    register(app: FastifyInstance) {
      // The router ignores trailing slashes, so `/console/` arrives here too: only the bare
      // form is sent to the slashed one, which the pages' relative URLs need.
      app.get('/console', NONE, async (request, reply) => (request.url.split('?')[0]!.endsWith('/') ? sendAsset(reply, 'index.html') : reply.redirect('/console/')));

      app.get('/console/session', NONE, async (request) => {
        const auth = await ctx.enforcing();
        const token = cookieValue(request.headers.cookie, SESSION_COOKIE);
        const caller = auth && token !== undefined ? await ctx.sessions.callerOf(token) : undefined;
        return { auth, signedIn: !auth || caller !== undefined, ...(caller ? { accountId: caller.accountId, accessKeyId: caller.accessKeyId } : {}) };
      });

      app.post<{ Body: Buffer | undefined }>('/console/session', NONE, async (request, reply) => {
        if (!fromConsole(request, reply)) return reply;
        let input: { accessKeyId?: unknown; secretAccessKey?: unknown } = {};
        try {
          input = JSON.parse(request.body?.toString('utf8') ?? '{}') as typeof input;
        } catch {
          return reply.code(400).send({ message: 'the body must be JSON' });
        }
        const { accessKeyId, secretAccessKey } = input;
        if (typeof accessKeyId !== 'string' || typeof secretAccessKey !== 'string') return reply.code(400).send({ message: 'accessKeyId and secretAccessKey are required' });
        const session = await ctx.sessions.signIn(accessKeyId.trim(), secretAccessKey.trim());
        // One answer for an unknown key and a wrong secret: the form tells nobody which keys exist.
        if (!session) return reply.code(401).send({ message: 'The access key id or secret is not valid.' });
        void reply.header('set-cookie', cookie(request, session.token, Math.floor((session.expires - Date.now()) / 1000)));
        return { accountId: session.caller.accountId, accessKeyId, expires: new Date(session.expires).toISOString() };
      });

      app.delete('/console/session', NONE, async (request, reply) => {
        if (!fromConsole(request, reply)) return reply;
        return reply.header('set-cookie', cookie(request, '', 0)).code(204).send();
      });

      app.get<{ Params: { '*': string } }>('/console/*', NONE, async (request, reply) => sendAsset(reply, request.params['*'] || 'index.html'));
    },
  };
}
