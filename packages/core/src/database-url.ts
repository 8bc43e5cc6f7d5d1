/**
 * PostgreSQL connection URLs in configuration: which schemes count, and how
 * a URL is shown in messages, health answers and reports without its password.
 */

/** URL schemes that name a PostgreSQL server (libpq and node-postgres accept both). */
export const POSTGRES_URL_SCHEMES = ['postgresql:', 'postgres:'] as const;

/** True when `text` parses as a `postgresql://` or `postgres://` URL. */
export function isPostgresUrl(text: string): boolean {
  try {
    return (POSTGRES_URL_SCHEMES as readonly string[]).includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/**
 * `text` with the password of every `scheme://user:password@` replaced by `***`, so a
 * connection URL can be logged or shown. Text that is not a URL passes through, with any
 * `user:password@` part still masked (up to the last `@`, as a password may contain one).
 */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)\S*@/gi, '$1***@');
}
