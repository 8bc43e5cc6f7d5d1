import type { ServerOptions } from 'node:http';

/**
 * How long the API waits on a client. Without these a client that sends its headers and half a body
 * and then stalls holds its connection (and its request's memory) forever: Fastify turns Node's own
 * request timeout off by default.
 */
export interface RequestTimeouts {
  /** Time to receive the complete request headers, in milliseconds. */
  headersMs: number;
  /** Time to receive the complete request, headers and body, in milliseconds; at least `headersMs`. */
  requestMs: number;
  /**
   * How often Node checks open connections against the two limits above, in milliseconds; a stalled
   * client is dropped between `requestMs` and `requestMs + checkIntervalMs` after it connected.
   */
  checkIntervalMs: number;
  /** How long an idle keep-alive connection stays open after its last answer, in milliseconds. */
  keepAliveMs: number;
}

/**
 * The defaults: a listing or a full batch arrives in well under a second on any working link, so ten
 * seconds for headers and thirty for the whole request only ever cut off stalled or hostile clients.
 */
export const DEFAULT_REQUEST_TIMEOUTS: Readonly<RequestTimeouts> = Object.freeze({
  headersMs: 10_000,
  requestMs: 30_000,
  checkIntervalMs: 1_000,
  keepAliveMs: 72_000,
});

/**
 * The Fastify server options that enforce `timeouts`. A client cut off by them gets Node's
 * `408 Request Timeout` (when it can still read) and its connection closed; requests in progress on
 * other connections are not affected.
 */
export function requestTimeoutOptions(timeouts: Readonly<RequestTimeouts>): {
  requestTimeout: number;
  keepAliveTimeout: number;
  http: ServerOptions;
} {
  if (timeouts.requestMs < timeouts.headersMs) {
    throw new RangeError(
      `request timeout (${timeouts.requestMs} ms) must be at least the headers timeout (${timeouts.headersMs} ms)`,
    );
  }
  return {
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    http: {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: timeouts.checkIntervalMs,
    },
  };
}
