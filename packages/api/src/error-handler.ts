import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiApp } from './app.js';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ApiMetrics, RejectionReason } from './metrics.js';

/** One wrong field, as a 400 answer lists it. */
export interface FieldIssue {
  field: string;
  message: string;
}

/** The JSON body of every error answer. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  issues?: FieldIssue[];
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Most field issues a 400 answer lists in `issues`; the message gives the total. */
export const ISSUES_LISTED = 100;
/** Most field issues spelled out in a 400 answer's `message`. */
export const ISSUES_SUMMARIZED = 10;

/** Builds an error body with the standard status text. */
export function errorBody(statusCode: number, message: string, issues?: FieldIssue[]): ErrorBody {
  const body: ErrorBody = { statusCode, error: STATUS_TEXT[statusCode] ?? 'Error', message };
  if (issues) body.issues = issues;
  return body;
}

/**
 * Turns a validation path into a field name: `/GrossSquareMeters` -> `GrossSquareMeters`,
 * `/3/district` -> `[3].district`, `/` -> `(body)`.
 */
export function fieldName(instancePath: string): string {
  const parts = instancePath.split('/').filter((part) => part !== '');
  if (parts.length === 0) return '(body)';
  let name = '';
  for (const part of parts) {
    if (/^\d+$/.test(part)) name += `[${part}]`;
    else name += name === '' ? part : `.${part}`;
  }
  return name;
}

/**
 * The one error handler. Client errors are answered with what was wrong and counted as rejected
 * (they never reach the production log); anything else is logged and answered with a generic 500,
 * so no stack trace or internal message leaks.
 */
export function installErrorHandling(app: ApiApp, metrics: ApiMetrics, bodyLimitBytes: number): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const rejected = (status: number, reason: RejectionReason, message: string, issues?: FieldIssue[]) => {
      metrics.countRejected(route, reason);
      return reply.code(status).send(errorBody(status, message, issues));
    };

    if (hasZodFastifySchemaValidationErrors(error)) {
      const total = error.validation.length;
      // A full batch of empty objects has 11 issues per item: list the first ones, count the rest.
      const issues = error.validation.slice(0, ISSUES_LISTED).map((issue) => ({
        field: fieldName(issue.instancePath),
        message: issue.message,
      }));
      // Core's messages already start with the field name; prefix only what would lose its location.
      const summarized = issues
        .slice(0, ISSUES_SUMMARIZED)
        .map((issue) =>
          issue.message.startsWith(`${issue.field} `) ? issue.message : `${issue.field}: ${issue.message}`,
        );
      if (total > summarized.length) summarized.push(`and ${total - summarized.length} more`);
      const count = total === 1 ? '1 invalid field' : `${total} invalid fields`;
      return rejected(400, 'validation', `${count}: ${summarized.join('; ')}`, issues);
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return rejected(
          413,
          'body_too_large',
          `request body is larger than ${bodyLimitBytes} bytes (API_BODY_LIMIT)`,
        );
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
        const type = request.headers['content-type'];
        return rejected(
          415,
          'unsupported_media_type',
          `expected Content-Type application/json, got ${type === undefined ? 'none' : JSON.stringify(type)}`,
        );
      }
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return rejected(400, 'invalid_json', 'request body is empty; send the listing as a JSON object', [
          { field: '(body)', message: 'is empty' },
        ]);
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return rejected(400, 'invalid_json', `request body is not valid JSON: ${error.message}`, [
          { field: '(body)', message: 'is not valid JSON' },
        ]);
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      if (error instanceof SyntaxError || status === 400) {
        return rejected(400, 'invalid_json', `request body could not be read: ${error.message}`);
      }
      return reply.code(status).send(errorBody(status, error.message));
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send(errorBody(500, 'internal error; the service log has the details'));
  });

  app.setNotFoundHandler((request, reply) => {
    return reply.code(404).send(errorBody(404, `no route ${request.method} ${request.url.split('?')[0]}`));
  });
}
