/**
 * PostgreSQL connection URLs in configuration (REGISTRY_DB, PRODUCTION_LOG_URL):
 * which values select PostgreSQL, what is wrong with a malformed one, and how a
 * URL is shown in messages, health answers and reports without its password.
 */

/** URL schemes that name a PostgreSQL server (libpq and node-postgres accept both). */
export const POSTGRES_URL_SCHEMES = ['postgresql:', 'postgres:'] as const;

const POSTGRES_SCHEME = /^postgres(?:ql)?:\/\//i;

/**
 * True when the value selects PostgreSQL (`postgresql://` or `postgres://`), even when the rest
 * is malformed: postgresUrlProblem then says what is wrong, instead of the value being taken
 * for a file name.
 */
export function isPostgresUrl(value: string): boolean {
  return POSTGRES_SCHEME.test(value);
}

/**
 * `text` with the password of every `scheme://user:password@` replaced by `***`, so a
 * connection URL can be logged or shown. Text that is not a URL passes through, with any
 * `user:password@` part still masked (up to the last `@`, as a password may contain one).
 */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)\S*@/gi, '$1***@');
}

/**
 * What is wrong with a PostgreSQL URL, in words, or undefined when it names a
 * host and a database.
 */
export function postgresUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'it is not a valid URL (expected postgresql://user[:password]@host[:port]/database)';
  }
  if (!url.hostname) return 'it names no host';
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) return 'it names no database (/database at the end)';
  return undefined;
}

/**
 * The message of a database client error for a message: Node reports a refused dual-stack connect
 * as an AggregateError without one (its parts are joined), and some errors carry only a code.
 */
export function describeDatabaseError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map((e: unknown) => describeDatabaseError(e)).join('; ');
  }
  if (error instanceof Error) return error.message || ((error as { code?: string }).code ?? error.name);
  return String(error);
}
