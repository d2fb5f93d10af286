/**
 * Request bodies arrive as raw Buffers (see server.ts); JSON APIs parse them here, once,
 * with AWS's error for malformed content.
 */
import type { FastifyRequest } from 'fastify';
import { InvalidRequestContentException } from '../core/errors.js';

/** The request body as a JSON object; an empty body is `{}`. */
export function jsonBody(request: FastifyRequest): Record<string, unknown> {
  const raw = request.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new InvalidRequestContentException(`Could not parse request body into json: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidRequestContentException('Could not parse request body into json: expected an object');
  }
  return parsed as Record<string, unknown>;
}

/** The raw body bytes, empty when there are none. */
export function rawBody(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}
