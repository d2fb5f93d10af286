/**
 * Reads every request body the edge takes, within its route's limit (body-limits.ts):
 * into a Buffer, or, on a code upload route (`config.upload` names the base64 member),
 * streaming: the member is decoded into a staged file of the blob store as it arrives
 * (Base64MemberReader) and replaced in the parsed JSON by a `StagedUpload`, which the
 * control plane stores without reading it into memory. A staged file not taken by the
 * blob store is removed when the exchange ends.
 */
import { createHash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { codeStorageFull, InvalidRequestContentException, isDiskFull } from '../core/errors.js';
import { Base64MemberReader } from './base64-member.js';
import { bodyTooLarge, SMALL_BODY_BYTES } from './body-limits.js';
import { ParsedBody } from './body.js';
import { recordBodyDigest } from './edge-auth.js';

/**
 * An upload streamed to a file; only this server makes them (JSON cannot). It has the
 * shape of the blob store's StagedZip, which the control plane hands on to it.
 */
export class StagedUpload {
  constructor(
    readonly path: string,
    readonly size: number,
  ) {}
}

/** Installs the body reader for every content type; `stagingPath` gives each upload its file. */
export function registerBodyReader(app: FastifyInstance, stagingPath: () => string): void {
  const staged = new WeakMap<FastifyRequest, string>();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request: FastifyRequest, payload: IncomingMessage): Promise<Buffer | ParsedBody> => {
    const member = request.routeOptions.config.upload;
    return member ? readUpload(request, payload, member, stagingPath(), staged) : readBuffer(request, payload);
  });
  const discard = async (request: FastifyRequest) => {
    const path = staged.get(request);
    if (path !== undefined) await rm(path, { force: true });
  };
  app.addHook('onResponse', discard);
  app.addHook('onRequestAbort', discard);
}

function limitOf(request: FastifyRequest): number {
  const limit = request.routeOptions.bodyLimit ?? SMALL_BODY_BYTES;
  // Refused from Content-Length before a byte is read.
  if (Number(request.headers['content-length']) > limit) throw bodyTooLarge(request);
  return limit;
}

async function* chunks(request: FastifyRequest, payload: Readable, limit: number): AsyncGenerator<Buffer> {
  let received = 0;
  // The body's SHA-256, taken as it passes, for the signature check (edge-auth.ts): a code
  // upload is never held whole to be hashed.
  const digest = createHash('sha256');
  for await (const chunk of payload) {
    received += (chunk as Buffer).length;
    if (received > limit) throw bodyTooLarge(request);
    digest.update(chunk as Buffer);
    yield chunk as Buffer;
  }
  recordBodyDigest(request, digest.digest('hex'));
}

async function readBuffer(request: FastifyRequest, payload: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks(request, payload, limitOf(request))) parts.push(chunk);
  return Buffer.concat(parts);
}

async function readUpload(request: FastifyRequest, payload: Readable, member: readonly string[], path: string, staged: WeakMap<FastifyRequest, string>): Promise<ParsedBody> {
  const limit = limitOf(request);
  staged.set(request, path);
  const file = await open(path, 'wx', 0o600).catch(asCodeStorage);
  let reader: Base64MemberReader;
  try {
    reader = new Base64MemberReader(member, async (bytes) => void (await file.write(bytes).catch(asCodeStorage)), SMALL_BODY_BYTES, () => bodyTooLarge(request));
    for await (const chunk of chunks(request, payload, limit)) await reader.push(chunk);
  } finally {
    await file.close();
  }
  const text = reader.text();
  let json: unknown;
  try {
    json = text.trim() === '' ? {} : JSON.parse(text);
  } catch (err) {
    throw new InvalidRequestContentException(`Could not parse request body into json: ${(err as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new InvalidRequestContentException('Could not parse request body into json: expected an object');
  }
  if (reader.found) place(json as Record<string, unknown>, member, new StagedUpload(path, reader.decodedBytes));
  return new ParsedBody(json as Record<string, unknown>);
}

/** A package that does not fit on the data disk is code storage running out, as the blob store says too. */
function asCodeStorage(err: unknown): never {
  throw isDiskFull(err) ? codeStorageFull(err) : err;
}

/** Puts the staged upload where the member was (the scan found it there, inside objects). */
function place(json: Record<string, unknown>, member: readonly string[], upload: StagedUpload): void {
  let at = json;
  for (const key of member.slice(0, -1)) at = at[key] as Record<string, unknown>;
  at[member[member.length - 1]!] = upload;
}
