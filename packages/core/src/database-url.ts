/**
 * REGISTRY_DB names either a SQLite file (the default) or a PostgreSQL server:
 * `postgresql://user[:password]@host[:port]/database` (or `postgres://`).
 * Shared by the configuration check and the registry; messages show the URL
 * with its password replaced, never the password.
 */

const POSTGRES_SCHEME = /^postgres(?:ql)?:\/\//i;

/** True when the value selects the PostgreSQL backend. */
export function isPostgresUrl(value: string): boolean {
  return POSTGRES_SCHEME.test(value);
}

/** The value with any URL password replaced by `***`, safe to log or show in an error. */
export function redactDatabaseUrl(value: string): string {
  // Textual rather than through URL, so an unparseable value is redacted the same way.
  return value.replace(/(\/\/[^:/@]*):[^@/]*@/, '$1:***@');
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
