/**
 * Write protection: with a token configured, every request that can change
 * state must carry `Authorization: Bearer <token>` (or Basic auth whose
 * password is the token, as MLflow clients send with
 * MLFLOW_TRACKING_USERNAME/PASSWORD). Reads stay open: GET/HEAD/OPTIONS, and
 * the MLflow searches that are POSTs but change nothing (their routes set
 * `config: { readOnly: true }`).
 */
import { timingSafeEqual } from 'node:crypto';
import type { onRequestAsyncHookHandler } from 'fastify';
import { RegistryError } from '../errors.js';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A POST that only reads (an MLflow search): open even when writes need a token. */
    readOnly?: boolean;
  }
}

/** Route options of a POST endpoint that only reads. */
export const READ_ONLY_ROUTE = { config: { readOnly: true } } as const;

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The credential in an Authorization header, or undefined when the header is missing or unusable. */
export function presentedToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!scheme || !value) return undefined;
  if (scheme.toLowerCase() === 'bearer') return value;
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}

/** An onRequest hook enforcing `token` on writes; a no-op hook when token is undefined. */
export function writeAuthorization(token: string | undefined): onRequestAsyncHookHandler {
  return async (request) => {
    if (token === undefined || READ_METHODS.has(request.method)) return;
    if (request.routeOptions.config.readOnly === true) return;
    const given = presentedToken(request.headers.authorization);
    if (given === undefined) {
      throw new RegistryError(
        'UNAUTHENTICATED',
        'This registry requires a token for writes: send Authorization: Bearer <REGISTRY_TOKEN>',
      );
    }
    if (!sameSecret(given, token)) {
      throw new RegistryError(
        'PERMISSION_DENIED',
        'The token in the Authorization header is not valid for writes',
      );
    }
  };
}
