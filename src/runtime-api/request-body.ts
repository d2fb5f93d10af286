/**
 * Reads a request body up to a byte limit. Bytes are counted as they stream in; past the
 * limit nothing more is kept (the rest is read and dropped, so the keep-alive connection
 * stays usable and the runtime gets its 413 rather than a reset).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderRuntimeApiError } from './runtime-api-errors.js';

export type BodyResult = { kind: 'ok'; body: Buffer } | { kind: 'tooLarge'; size: number };

/** The runtime went away before its body was complete; nothing can be answered. */
export class BodyAbortedError extends Error {
  constructor() {
    super('The request body ended before it was complete');
    this.name = 'BodyAbortedError';
  }
}

/** Reads `req` to its end, keeping at most `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.once('end', () => {
      if (size > limit) resolve({ kind: 'tooLarge', size });
      // One chunk (the common case for small results) is returned without a copy.
      else resolve({ kind: 'ok', body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    });
    req.once('error', () => reject(new BodyAbortedError()));
    req.once('close', () => {
      if (!req.complete) reject(new BodyAbortedError());
    });
  });
}

/** One header's value as a string (the first, if it was repeated). */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Answers a failed body read: a runtime that disconnected mid-body has nobody left to
 * answer (its owner sees the process exit), anything else is rendered.
 */
export function renderBodyFailure(res: ServerResponse, err: unknown): void {
  if (err instanceof BodyAbortedError) res.destroy();
  else renderRuntimeApiError(res, err);
}
