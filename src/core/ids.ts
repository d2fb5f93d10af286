/** Identifiers in the shapes AWS uses. */
import { randomBytes, randomUUID } from 'node:crypto';

/** A request id as Lambda formats it (a v4 UUID). */
export function newRequestId(): string {
  return randomUUID();
}

/** A RevisionId: AWS uses UUIDs; it changes on every mutation. */
export function newRevisionId(): string {
  return randomUUID();
}

/** 32 lower-case hex characters, as in log stream names and URL ids. */
export function randomHex(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}
