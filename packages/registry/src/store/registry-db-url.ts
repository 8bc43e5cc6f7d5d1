/**
 * REGISTRY_DB in the registry's messages: the variable named, the URL shown
 * with its password hidden (the checks themselves live in @mlops/core, which
 * validates the configuration with them).
 */
import { redactUrl } from '@mlops/core';

export { isPostgresUrl, postgresUrlProblem, redactUrl } from '@mlops/core';

/** The error for a REGISTRY_DB that cannot be used, naming the variable and the (redacted) value. */
export function registryDbError(value: string, reason: string): Error {
  return new Error(`REGISTRY_DB=${redactUrl(value)}: ${reason}`);
}
