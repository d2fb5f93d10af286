/**
 * The Extensions API (`/2020-01-01/extension/…`) answered politely: Gust runs no extensions
 * yet, but runtimes and libraries that probe the API (or extensions shipped in a layer) must
 * not crash. Registration succeeds with a fresh identifier; `event/next` parks until the
 * endpoint closes, so an extension waits instead of spinning; the error reports are accepted.
 * Shapes and error types follow RIE's `agentregister.go` and middleware.
 * https://docs.aws.amazon.com/lambda/latest/dg/runtimes-extensions-api.html
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { headerValue, readBody, renderBodyFailure } from './request-body.js';
import type { RouteContext, RouteHandler } from './route-context.js';
import { ExtensionIdentifierError, RuntimeApiError, renderRuntimeApiError, sendAccepted, sendJson } from './runtime-api-errors.js';

const REGISTER_BODY_LIMIT = 64 * 1024;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `POST /2020-01-01/extension/register` */
export const handleExtensionRegister: RouteHandler = (ctx, req, res) => {
  if (!headerValue(req, 'lambda-extension-name')) throw new RuntimeApiError(403, 'Extension.InvalidExtensionName', 'Empty extension name');
  readBody(req, REGISTER_BODY_LIMIT).then(
    (body) => {
      try {
        if (body.kind === 'tooLarge' || !isJsonObject(body.body)) {
          throw new RuntimeApiError(403, 'InvalidRequestFormat', 'The registration body must be a JSON object');
        }
        const id = randomUUID();
        ctx.extensionIds.add(id);
        sendJson(res, 200, ctx.functionInfo, { 'Lambda-Extension-Identifier': id });
      } catch (err) {
        renderRuntimeApiError(res, err);
      }
    },
    (err: unknown) => renderBodyFailure(res, err),
  );
};

/** `GET /2020-01-01/extension/event/next`: parks until the endpoint closes. */
export const handleExtensionEventNext: RouteHandler = (ctx, req, res) => {
  requireExtensionId(ctx, req);
  ctx.parkedExtensions.add(res);
  res.once('close', () => ctx.parkedExtensions.delete(res));
};

/** `POST /2020-01-01/extension/init/error` and `/exit/error`: accepted and otherwise ignored. */
export const handleExtensionError: RouteHandler = (ctx, req, res) => {
  requireExtensionId(ctx, req);
  sendAccepted(res);
};

function requireExtensionId(ctx: RouteContext, req: IncomingMessage): void {
  const id = headerValue(req, 'lambda-extension-identifier');
  if (!id) throw new ExtensionIdentifierError(true);
  if (!UUID_RE.test(id)) throw new ExtensionIdentifierError(false);
  if (!ctx.extensionIds.has(id)) throw new RuntimeApiError(403, 'Extension.UnknownExtensionIdentifier', 'Unknown extension');
}

function isJsonObject(body: Buffer): boolean {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  } catch {
    return false;
  }
}
