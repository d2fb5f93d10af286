/**
 * How node-postgres errors become Gust's: the SQLSTATEs the stores turn into their own
 * typed errors (a unique or foreign-key violation means something about the request), and
 * the failures that mean the database itself is gone or stuck (refused, reset or terminated
 * connections, a server shutting down, a pool that could not connect in time, a statement
 * past its timeout), which become
 * a ServiceException saying so instead of an unexplained 500 or a crash.
 */
import { stateDatabaseUnavailable } from '../../core/errors.js';

/** PostgreSQL's SQLSTATE of `err`, when it is a server error. */
export function sqlState(err: unknown): string | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export const isUniqueViolation = (err: unknown): boolean => sqlState(err) === '23505';
export const isForeignKeyViolation = (err: unknown): boolean => sqlState(err) === '23503';

/** Socket errors of a connection that could not be made or was lost. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Whether `err` says the database could not be used at all, rather than refusing this
 * statement: class 08 (connection exception), 57P01-57P03 (the server shutting down or
 * starting), 53300 (too many connections), 57014 (a statement cancelled, by the pool's
 * statement timeout or an operator), a socket error, or node-postgres's own messages for a
 * terminated connection and a pool that timed out connecting.
 */
export function isConnectionFailure(err: unknown): boolean {
  const state = sqlState(err);
  if (state !== undefined) return state.startsWith('08') || state === '57P01' || state === '57P02' || state === '57P03' || state === '53300' || state === '57014';
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && SOCKET_CODES.has(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end/.test(err.message);
}

/** `err` as the stores throw it: a lost database becomes ServiceException, anything else is unchanged. */
export function storeError(err: unknown): unknown {
  return isConnectionFailure(err) ? stateDatabaseUnavailable(err) : err;
}
