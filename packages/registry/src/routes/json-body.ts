/**
 * Request bodies of the MLflow JSON API: only `application/json` (any
 * charset parameter) is read. Every other type, and a body without a type, is
 * refused with 415 before any handler runs: browsers send text/plain and form
 * bodies cross-origin without a preflight, so reading those as JSON would let
 * any web page write to the registry. Keys `__proto__` and `constructor` are
 * dropped while parsing (no MLflow message has such a field, and unknown
 * fields are ignored anyway), so no request object can carry a prototype.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RegistryError } from '../errors.js';

const JSON_TYPE = 'application/json';

/** Keys that could reach an object's prototype if a body were ever merged into another object. */
function withoutPrototypeKeys(key: string, value: unknown): unknown {
  return key === '__proto__' || key === 'constructor' ? undefined : value;
}

/** Parses a JSON request body; an empty body reads as `{}`. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    // The reviver costs time, so it only runs when a dangerous key may be present.
    return text.includes('__proto__') || text.includes('constructor')
      ? JSON.parse(text, withoutPrototypeKeys)
      : JSON.parse(text);
  } catch (error) {
    throw new RegistryError(
      'MALFORMED_REQUEST',
      `The request body is not valid JSON: ${(error as Error).message}`,
    );
  }
}

function unsupportedType(request: FastifyRequest): RegistryError {
  const given = request.headers['content-type'];
  const what = given === undefined ? 'a body without a Content-Type' : `Content-Type '${given}'`;
  return new RegistryError(
    'BAD_REQUEST',
    `Unsupported media type: this API reads request bodies only as ${JSON_TYPE}, got ${what}`,
    { status: 415 },
  );
}

/** Replaces the content type parsers of `app` (an MLflow API scope) with the JSON-only ones. */
export function acceptJsonBodiesOnly(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_TYPE, { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(typeof body === 'string' ? body : body.toString('utf8')));
    } catch (error) {
      done(error as RegistryError, undefined);
    }
  });
  app.addContentTypeParser('*', (request, _payload, done) => done(unsupportedType(request), undefined));
}
