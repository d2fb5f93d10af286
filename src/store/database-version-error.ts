/**
 * Raised when a database cannot be used by this build of Gust: its schema was written by a
 * newer Gust. It is a start-up failure for the operator, not an AWS-facing error, so it is
 * not part of the catalog in core/errors.ts. SQLite and PostgreSQL stores both raise it.
 */
export class DatabaseVersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseVersionError';
  }
}
