/**
 * How much of a request body Gust reads, per route. A route declares its limit (Fastify's
 * `bodyLimit`) and the operation it serves (`config.operation`, which AWS's 413 message
 * names); every other route gets `SMALL_BODY_BYTES`. The edge's body reader (upload-body.ts)
 * refuses a body from its Content-Length before reading a byte (and a chunked one as soon as
 * it passes the limit).
 * Large bodies are code uploads (`config.upload`): at most `concurrency` of them are read
 * at once; the next ones wait without being read, and past `maxWaiting` are refused with a
 * 429, so memory stays bounded however many arrive together.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RequestTooLargeException, TooManyRequestsException } from '../core/errors.js';
import { Semaphore } from '../core/primitives.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The AWS operation of the route, named in its RequestTooLargeException. */
    operation?: string;
    /**
     * A route that takes a code package: the path of its base64 member (`['Code',
     * 'ZipFile']`), which is streamed to a file; large bodies go through the upload gate.
     */
    upload?: readonly string[];
  }
}

/** The limit of every route that declares none: JSON control-plane requests are small. */
export const SMALL_BODY_BYTES = 1024 * 1024;

/**
 * CreateFunction, UpdateFunctionCode and PublishLayerVersion: AWS states the direct-upload
 * limit on the base64-encoded request, ceil(50 MiB × 4/3) bytes.
 */
export const UPLOAD_BODY_BYTES = 69_905_067;

/** An upload this small (or smaller) does not wait for the gate. */
const GATE_FROM_BYTES = SMALL_BODY_BYTES;

export interface UploadGateOptions {
  /** Large uploads read at once. */
  concurrency: number;
  /** Large uploads waiting before further ones get a 429. */
  maxWaiting: number;
}

/** AWS's refusal of a body over the route's limit. */
export function bodyTooLarge(request: FastifyRequest): RequestTooLargeException {
  const limit = request.routeOptions.bodyLimit ?? SMALL_BODY_BYTES;
  return new RequestTooLargeException(`Request must be smaller than ${limit} bytes for the ${request.routeOptions.config.operation ?? 'requested'} operation`);
}

/** Installs the small default limit's companion: the gate that bounds concurrent large uploads. */
export function registerUploadGate(app: FastifyInstance, options: UploadGateOptions): void {
  const gate = new Semaphore(options.concurrency);
  app.addHook('onRequest', async (request, reply) => {
    if (!request.routeOptions.config.upload) return;
    const length = Number(request.headers['content-length']);
    if (length <= GATE_FROM_BYTES) return;
    if (length > (request.routeOptions.bodyLimit ?? UPLOAD_BODY_BYTES)) throw bodyTooLarge(request);
    if (!gate.tryAcquire()) {
      if (gate.waiting >= options.maxWaiting) {
        throw new TooManyRequestsException('Too many code uploads in progress; retry in a moment.', 'CallerRateLimitExceeded', 1);
      }
      await waitForGate(gate, reply);
    }
    // Released once, however the exchange ends: answered, failed or cut by the client.
    reply.raw.once('close', () => gate.release());
  });
}

/** Waits for a permit; a client that goes away meanwhile leaves the queue. */
async function waitForGate(gate: Semaphore, reply: FastifyReply): Promise<void> {
  const gone = new AbortController();
  const onClose = () => gone.abort(new Error('the client closed the connection while its upload waited'));
  reply.raw.once('close', onClose);
  try {
    await gate.acquire(gone.signal);
  } finally {
    reply.raw.off('close', onClose);
  }
}
