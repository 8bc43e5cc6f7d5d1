/**
 * The one error handler and the not-found handler: every failure leaves as
 * MLflow's `{"error_code","message"}`. RegistryErrors pass through; Fastify's
 * own client errors (bad JSON, body too large) get the matching code;
 * anything else is logged and answered with a generic INTERNAL_ERROR.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { ERROR_STATUS, RegistryError, type RegistryErrorCode } from '../errors.js';

function classify(error: FastifyError): RegistryError | undefined {
  if (error instanceof RegistryError) return error;
  // better-sqlite3 busy/locked: retryable, so a 503 the MLflow client retries.
  const sqliteCode = (error as { code?: unknown }).code;
  if (typeof sqliteCode === 'string' && (sqliteCode === 'SQLITE_BUSY' || sqliteCode === 'SQLITE_LOCKED')) {
    return new RegistryError('TEMPORARILY_UNAVAILABLE', 'The registry database is busy; retry shortly');
  }
  const status = error.statusCode;
  if (status === undefined || status >= 500) return undefined;
  let code: RegistryErrorCode = 'BAD_REQUEST';
  if (status === 413) code = 'RESOURCE_LIMIT_EXCEEDED';
  else if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError)
    code = 'MALFORMED_REQUEST';
  else if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') code = 'MALFORMED_REQUEST';
  else if (status === 404) code = 'ENDPOINT_NOT_FOUND';
  else if (status === 401) code = 'UNAUTHENTICATED';
  else if (status === 403) code = 'PERMISSION_DENIED';
  else if (status === 429) code = 'REQUEST_LIMIT_EXCEEDED';
  return new RegistryError(code, error.message);
}

/** Installs the error and not-found handlers on `app` (the root instance, so they cover every route). */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = classify(error);
    if (known) {
      if (known.statusCode >= 500) request.log.warn({ err: error }, known.message);
      return reply.status(ERROR_STATUS[known.errorCode]).send(known.toJSON());
    }
    request.log.error({ err: error }, 'unexpected error while handling a request');
    return reply.status(500).send({
      error_code: 'INTERNAL_ERROR',
      message: 'Internal error in the registry; the server log has the details',
    });
  });

  app.setNotFoundHandler((request, reply) => {
    const error = new RegistryError(
      'ENDPOINT_NOT_FOUND',
      `No endpoint ${request.method} ${request.url.split('?')[0]} in this registry`,
    );
    return reply.status(error.statusCode).send(error.toJSON());
  });
}
