/**
 * Cross-site request forgery guard. Without a token (the default) writes are
 * open, so a web page the operator opens could otherwise post to the registry
 * from the browser. Every request that is not GET/HEAD/OPTIONS must therefore
 * come from the registry's own origin (the host it was addressed by, as its
 * web UI does), from an origin listed in REGISTRY_ALLOWED_ORIGINS, or from a
 * client that sends neither `Origin` nor `Sec-Fetch-Site: cross-site` (curl,
 * the MLflow Python client, the TypeScript client: browsers always send
 * Origin on such requests). The check runs before the token check, so a
 * forged request learns nothing about the token either.
 */
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { RegistryError } from '../errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The origin (`scheme://host[:port]`) of `text`, or undefined when it is not an http(s) origin. */
function originOf(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** True when `origin` names the host this request was sent to (scheme aside: a TLS proxy may sit in front). */
function isOwnOrigin(origin: URL, request: FastifyRequest): boolean {
  const host = request.headers.host;
  return host !== undefined && origin.host === host.toLowerCase();
}

function refuse(what: string): RegistryError {
  return new RegistryError(
    'PERMISSION_DENIED',
    `Cross-site write refused: ${what}. The registry accepts writes from its own web UI and from ` +
      'non-browser clients; list other web origins in REGISTRY_ALLOWED_ORIGINS',
  );
}

/** An onRequest hook refusing cross-site writes; `allowedOrigins` are normalised origins (`https://host:port`). */
export function crossSiteWriteGuard(allowedOrigins: readonly string[]): onRequestAsyncHookHandler {
  const allowed = new Set(allowedOrigins);
  return async (request) => {
    if (SAFE_METHODS.has(request.method)) return;
    const originHeader = request.headers.origin;
    if (originHeader !== undefined) {
      const origin = originOf(originHeader);
      if (origin !== undefined && allowed.has(origin.origin)) return;
      if (origin === undefined || !isOwnOrigin(origin, request)) {
        throw refuse(`the request comes from origin '${originHeader}'`);
      }
    }
    if (request.headers['sec-fetch-site'] === 'cross-site') {
      throw refuse('the browser marks the request Sec-Fetch-Site: cross-site');
    }
  };
}
