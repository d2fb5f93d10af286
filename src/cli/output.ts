/**
 * How the CLI prints: aligned tables and key/value blocks for people, JSON for scripts,
 * and the one line on stderr that any failure becomes.
 */

/** A failure the CLI itself detects (bad flags, missing files); printed as its message. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** Columns separated by two spaces, each as wide as its widest cell. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(headers), ...rows.map(line)].join('\n');
}

/** `key  value` lines with the values aligned; empty values are left out. */
export function keyValues(pairs: [string, string | undefined][]): string {
  const shown = pairs.filter((p): p is [string, string] => p[1] !== undefined && p[1] !== '');
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/** JSON for scripts: an SDK response without its `$metadata`. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => (key === '$metadata' ? undefined : v), 2);
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE']);

function isConnectionError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; name?: unknown; errors?: unknown[]; cause?: unknown };
  if (typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) return true;
  // The SDK's connectionTimeout, and Node's happy-eyeballs AggregateError for `localhost`.
  if (e.name === 'TimeoutError') return true;
  // fetch() (Gust's own routes) wraps the socket's error as its `cause`.
  if (isConnectionError(e.cause)) return true;
  return Array.isArray(e.errors) && e.errors.some(isConnectionError);
}

/**
 * An error an AWS SDK client threw for a service's answer, known by the fields every
 * client's service exceptions carry: `instanceof` would need the clients imported, which
 * would cost `gust serve` and `gust runtimes` (which print through this module) a third
 * of a second of start-up.
 */
function isServiceError(err: unknown): err is Error & { $metadata: { httpStatusCode?: number } } {
  if (!(err instanceof Error)) return false;
  const e = err as { $fault?: unknown; $metadata?: unknown };
  return (e.$fault === 'client' || e.$fault === 'server') && typeof e.$metadata === 'object' && e.$metadata !== null;
}

/** The text after `gust: ` for any failure: never a stack trace, always one line. */
export function describeError(err: unknown, endpoint: string): string {
  if (err instanceof CliError) return err.message;
  if (isConnectionError(err)) return `cannot reach Gust at ${endpoint}: is 'gust serve' running?`;
  if (isServiceError(err)) {
    const status = err.$metadata.httpStatusCode;
    // A body that is not an AWS error (a proxy's page, say) leaves the SDK with no name.
    if (err.name === 'Unknown' || err.name === 'UnknownError' || err.message === 'UnknownError') {
      return `unexpected HTTP ${status ?? '?'} answer from ${endpoint}: is it a Gust server?`;
    }
    return `${err.name}: ${firstLine(err.message)}`;
  }
  if (err instanceof Error) return firstLine(err.message) || err.name;
  return String(err);
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
