/**
 * Signature verification at the edge: one preHandler hook, installed before the plugins
 * so that it runs for every route of every API, hands each request to the auth verifier
 * (src/auth/verifier.ts) and attaches the caller it establishes (`request.caller`, and the
 * signing context S3 needs for its streamed bodies, `request.signing`). A failure is thrown
 * as the AuthFailure it is; each API's error handler renders it in its own wire format.
 * It runs after the body is read (preHandler), because a JSON API's signature covers its
 * body: the body reader hashes it as it arrives (`recordBodyDigest`). Routes that read
 * their body themselves (S3) say `auth: 'streamed-body'` and check it as it streams; routes
 * that authenticate in their own way (function URLs: NONE is public, AWS_IAM checks
 * itself) and `/health` say `auth: 'none'`. After the answer, a mutating request leaves a
 * line in the audit log.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller, SigningContext, Verified } from '../auth/caller.js';
import type { AuditEntry } from '../auth/audit-log.js';
import type { RequestToVerify } from '../auth/verifier.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `none`: the route authenticates itself or is public; `streamed-body`: the route checks its body's hash as it streams. */
    auth?: 'none' | 'streamed-body';
  }
  interface FastifyRequest {
    /** Who sent the request, once the edge verified it. */
    caller?: Caller;
    /** The verified signature, for checks of a body read later (S3's). */
    signing?: SigningContext;
    /** The AWS operation, when the route names it itself (S3: one route, many operations); for the audit log. */
    operation?: string;
  }
}

/** What the edge takes from the composition root to verify and audit. */
export interface EdgeAuth {
  verify(request: RequestToVerify): Promise<Verified>;
  /** What can be checked before the body is read (see registerEdgeAuth). */
  precheck?(request: RequestToVerify): Promise<void>;
  /** Records a mutating request; absent: no audit. */
  audit?: ((entry: AuditEntry) => void) | undefined;
}

/** Bodies above this are prechecked before they are read: the edge's default body limit. */
export const PRECHECK_BYTES = 1024 * 1024;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const digests = new WeakMap<FastifyRequest, string>();

/** Records the SHA-256 of a body the edge read (upload-body.ts). */
export function recordBodyDigest(request: FastifyRequest, hex: string): void {
  digests.set(request, hex);
}

/** A request header's value, repeats joined as SigV4 joins them. */
export function headerOf(raw: Pick<IncomingMessage, 'headers'>, name: string): string | undefined {
  const v = raw.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** The request as the verifier reads it: the URL as the client sent it, before any rewrite. */
export function toVerify(request: FastifyRequest, bodySha256: string | undefined): RequestToVerify {
  const url = request.originalUrl;
  const q = url.indexOf('?');
  return { method: request.method, path: q < 0 ? url : url.slice(0, q), rawQuery: q < 0 ? '' : url.slice(q + 1), header: (name) => headerOf(request.raw, name), bodySha256 };
}

const READ_ONLY = /^(Get|List|Describe|Receive|Test|Head)/;

/** The operation a request names: its X-Amz-Target, its query-protocol Action, or its method and route. */
function operationOf(request: FastifyRequest): string {
  if (request.operation !== undefined) return request.operation;
  if (request.routeOptions.config.operation !== undefined) return request.routeOptions.config.operation;
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string') return target.slice(target.indexOf('.') + 1);
  const fromQuery = /(?:^|[?&])Action=([^&]*)/.exec(request.url)?.[1];
  const fromBody = Buffer.isBuffer(request.body) ? /(?:^|&)Action=([^&]*)/.exec(request.body.toString('latin1', 0, 4096))?.[1] : undefined;
  const action = fromQuery ?? fromBody;
  if (action !== undefined) return decodeURIComponent(action);
  return `${request.method} ${request.routeOptions.url ?? ''}`;
}

function isMutating(request: FastifyRequest, operation: string): boolean {
  if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return false;
  // Invokes run code but change no resource, and are the hot path: the function's log stream records them.
  if (/\/invocations$|\/invoke-async/.test(request.routeOptions.url ?? '')) return false;
  return !READ_ONLY.test(operation);
}

/** Installs the hooks on the root context; call before the plugins are registered. */
export function registerEdgeAuth(app: FastifyInstance, auth: EdgeAuth): void {
  // A large body (a code upload of up to 50 MB and more) is only read once the request's
  // key and time stood, so that nobody without a key makes Gust spool one; the signature
  // itself, which covers the body, is checked after it was read.
  const precheck = auth.precheck?.bind(auth);
  if (precheck) {
    app.addHook('onRequest', async (request) => {
      if (request.routeOptions.config.auth !== undefined) return;
      if (!(Number(request.headers['content-length'] ?? 0) > PRECHECK_BYTES)) return;
      await precheck(toVerify(request, undefined));
    });
  }
  app.addHook('preHandler', async (request) => {
    const mode = request.routeOptions.config.auth;
    if (mode === 'none') return;
    const verified = await auth.verify(toVerify(request, mode === 'streamed-body' ? undefined : (digests.get(request) ?? EMPTY_SHA256)));
    request.caller = verified.caller;
    if (verified.signing) request.signing = verified.signing;
  });
  const audit = auth.audit;
  if (!audit) return;
  app.addHook('onResponse', (request, reply, done) => {
    if (request.routeOptions.config.auth !== 'none') {
      const operation = operationOf(request);
      if (isMutating(request, operation)) {
        const caller = request.caller;
        audit({
          time: new Date().toISOString(),
          requestId: String(request.id),
          account: caller?.accountId ?? null,
          accessKeyId: caller?.accessKeyId ?? null,
          operation,
          resource: decodeSafely(request.originalUrl.split('?')[0]!),
          status: reply.statusCode,
        });
      }
    }
    done();
  });
}

function decodeSafely(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
