/**
 * The one error handler and the not-found handler: every failure leaves as
 * MLflow's `{"error_code","message"}`. RegistryErrors pass through; Fastify's
 * own client errors (bad JSON, body too large, malformed URL) get the matching
 * code; anything else is logged and answered with a generic INTERNAL_ERROR. A
 * path that exists under other methods is 405 with an Allow header, not 404.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RegistryError, type RegistryErrorCode } from '../errors.js';
import { RouteMethods } from './route-methods.js';

/**
 * PostgreSQL out of reach: a refused, reset or timed-out connection, SQLSTATE class 08
 * (connection exception), 57P01-57P03 (server shutting down or starting) or 53300 (too many
 * connections). Retryable, so a 503 the MLflow client retries.
 */
const DATABASE_UNREACHABLE = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|08...|57P0[123]|53300)$/;

function classify(error: FastifyError): RegistryError | undefined {
  if (error instanceof RegistryError) return error;
  // better-sqlite3 busy/locked: retryable, so a 503 the MLflow client retries.
  const sqliteCode = (error as { code?: unknown }).code;
  if (typeof sqliteCode === 'string' && (sqliteCode === 'SQLITE_BUSY' || sqliteCode === 'SQLITE_LOCKED')) {
    return new RegistryError('TEMPORARILY_UNAVAILABLE', 'The registry database is busy; retry shortly');
  }
  if (typeof sqliteCode === 'string' && DATABASE_UNREACHABLE.test(sqliteCode)) {
    return new RegistryError(
      'TEMPORARILY_UNAVAILABLE',
      'The registry database is unreachable; retry shortly',
    );
  }
  const status = error.statusCode;
  if (status === undefined || status >= 500) return undefined;
  if (error.code === 'FST_ERR_BAD_URL') {
    return invalidUrl(
      'it has malformed percent-encoding (a % not followed by two hex digits of valid UTF-8)',
    );
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return invalidUrl('its path is too long');
  let code: RegistryErrorCode = 'BAD_REQUEST';
  if (status === 413) code = 'RESOURCE_LIMIT_EXCEEDED';
  else if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError)
    code = 'MALFORMED_REQUEST';
  else if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') code = 'MALFORMED_REQUEST';
  else if (status === 404) code = 'ENDPOINT_NOT_FOUND';
  else if (status === 401) code = 'UNAUTHENTICATED';
  else if (status === 403) code = 'PERMISSION_DENIED';
  else if (status === 429) code = 'REQUEST_LIMIT_EXCEEDED';
  // Statuses MLflow has no code of their own for (408, 414, 415, 431, ...) keep their status.
  return new RegistryError(code, error.message, code === 'BAD_REQUEST' ? { status } : undefined);
}

function invalidUrl(why: string): RegistryError {
  return new RegistryError('INVALID_PARAMETER_VALUE', `The request URL is not valid: ${why}`);
}

/**
 * Fastify's `frameworkErrors` option: errors raised before routing (a URL
 * that does not decode, a path parameter over the router's limit) go through
 * the same classification instead of Fastify's own body shape.
 */
export function answerFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const known = classify(error) ?? new RegistryError('BAD_REQUEST', 'The request could not be routed');
  request.log.info({ err: error }, known.message);
  void reply.status(known.statusCode).send(known.toJSON());
}

/** Installs the error and not-found handlers on `app` (the root instance, so they cover every route). */
export function installErrorHandling(app: FastifyInstance): void {
  const routeMethods = new RouteMethods(app);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = classify(error);
    if (known) {
      if (known.statusCode >= 500) request.log.warn({ err: error }, known.message);
      return reply.status(known.statusCode).send(known.toJSON());
    }
    request.log.error({ err: error }, 'unexpected error while handling a request');
    return reply.status(500).send({
      error_code: 'INTERNAL_ERROR',
      message: 'Internal error in the registry; the server log has the details',
    });
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = routeMethods.allowedAt(path);
    if (allowed.length > 0) {
      const error = new RegistryError(
        'ENDPOINT_NOT_FOUND',
        `Method ${request.method} is not allowed on ${path}; it accepts ${allowed.join(', ')}`,
        { status: 405 },
      );
      return reply.status(error.statusCode).header('Allow', allowed.join(', ')).send(error.toJSON());
    }
    const error = new RegistryError(
      'ENDPOINT_NOT_FOUND',
      `No endpoint ${request.method} ${request.url.split('?')[0]} in this registry`,
    );
    return reply.status(error.statusCode).send(error.toJSON());
  });
}
