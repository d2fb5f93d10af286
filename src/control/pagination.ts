/**
 * Marker pagination for the List operations. A marker is opaque to clients; inside it
 * holds the sort key of the last item returned, so that a page starts after that key
 * even when items were added or removed between calls.
 */
import { InvalidParameterValueException } from '../core/errors.js';
import type { PageRequest } from './function-inputs.js';

export interface Page<T> {
  items: T[];
  /** Present when more items follow. */
  nextMarker?: string;
}

/** Lambda returns up to 50 items per page when MaxItems is not given. */
export const DEFAULT_PAGE_SIZE = 50;

const PREFIX = 'gust1:';

function encodeMarker(key: string): string {
  return Buffer.from(PREFIX + key, 'utf8').toString('base64url');
}

function decodeMarker(marker: string): string {
  const decoded = /^[A-Za-z0-9_-]+$/.test(marker) ? Buffer.from(marker, 'base64url').toString('utf8') : '';
  if (!decoded.startsWith(PREFIX)) throw new InvalidParameterValueException(`Invalid marker: ${marker}`);
  return decoded.slice(PREFIX.length);
}

/**
 * One page of `items`, which must be sorted ascending by `keyOf` (compared as plain
 * strings, code unit by code unit).
 */
export function paginate<T>(items: T[], keyOf: (item: T) => string, request: PageRequest): Page<T> {
  const after = request.marker === undefined || request.marker === '' ? undefined : decodeMarker(request.marker);
  const size = request.maxItems ?? DEFAULT_PAGE_SIZE;
  const start = after === undefined ? 0 : items.findIndex((item) => keyOf(item) > after);
  if (start < 0) return { items: [] };
  const page = items.slice(start, start + size);
  const last = page[page.length - 1];
  const more = start + size < items.length;
  return more && last !== undefined ? { items: page, nextMarker: encodeMarker(keyOf(last)) } : { items: page };
}

/** A sort key for versions that orders `$LATEST` first, then numbers ascending. */
export function versionSortKey(version: string): string {
  return version === '$LATEST' ? '' : version.padStart(12, '0');
}
