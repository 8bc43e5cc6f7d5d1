/**
 * Opaque page tokens, as MLflow makes them: base64 of `{"offset":N}`. Offsets
 * are fine here because every search has a total, deterministic order.
 */
import { invalidParameter } from '../errors.js';
import type { Page } from './entities.js';

/** Token for the page starting at `offset` (0-based row index). */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64');
}

/** Offset encoded in `token`; 0 for a missing or empty token. Throws INVALID_PARAMETER_VALUE on garbage. */
export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    const offset = (parsed as { offset?: unknown }).offset;
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through to the error below
  }
  throw invalidParameter(`Invalid page token '${token}': it must come from a previous search response`);
}

/**
 * Splits `rows` fetched with LIMIT maxResults + 1 into the page and the next
 * token (absent on the last page).
 */
export function pageOf<T>(
  rows: T[],
  offset: number,
  maxResults: number,
): { items: T[]; nextPageToken?: string } {
  if (rows.length > maxResults) {
    return { items: rows.slice(0, maxResults), nextPageToken: encodePageToken(offset + maxResults) };
  }
  return { items: rows };
}

/** The store's Page of `items` (the mapped rows of `page`), keeping its next token. */
export function pageResult<R, T>(page: { items: R[]; nextPageToken?: string }, items: T[]): Page<T> {
  return { items, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
}
