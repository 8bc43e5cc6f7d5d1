import { createLogger, type Config, type Logger } from '@mlops/core';
import { buildApp, type ApiApp, type BuildAppOptions } from './app.js';

export interface StartApiOptions extends Partial<Omit<BuildAppOptions, 'config'>> {
  config: Config;
  /** Interface to bind; default API_HOST. */
  host?: string;
  /** Port; default API_PORT (0 picks a free one). */
  port?: number;
}

export interface RunningApi {
  app: ApiApp;
  /** Base URL the server listens on, e.g. `http://127.0.0.1:8081`. */
  url: string;
  /** Stops accepting connections, lets requests in flight finish, flushes the production log. */
  close(): Promise<void>;
}

/** Builds the app and listens on API_HOST:API_PORT (or the given host and port). */
export async function startApi(options: StartApiOptions): Promise<RunningApi> {
  const logger = options.logger ?? createLogger({ name: 'api', level: options.config.LOG_LEVEL });
  const app = await buildApp({ ...options, logger });
  await app.listen({
    host: options.host ?? options.config.API_HOST,
    port: options.port ?? options.config.API_PORT,
  });
  const address = app.server.address();
  const port =
    typeof address === 'object' && address ? address.port : (options.port ?? options.config.API_PORT);
  const host = options.host ?? options.config.API_HOST;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  logger.info({ url, docs: `${url}/docs` }, 'prediction API listening');
  let closing: Promise<void> | null = null;
  return {
    app,
    url,
    close: () => (closing ??= app.close()),
  };
}

/** The signals that stop the API: a terminal's Ctrl-C, a supervisor's stop, a closed terminal. */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Closes the API gracefully on SIGINT, SIGTERM or SIGHUP (requests in flight finish, the production
 * log is flushed), then exits with status 0.
 *
 * A further signal during the shutdown cuts the connections still open (their requests were not
 * answered, so nothing acknowledged is lost) but still waits for the production log to commit what
 * is queued: every answered prediction is in the log. This matters because one Ctrl-C often arrives
 * twice: the terminal signals the whole process group and a wrapper (pnpm, `mlops api`, the stack)
 * passes on a signal of its own. Only a close taking longer than `timeoutMs` (default 10,000) exits
 * without it, with status 1.
 */
export function closeOnSignals(running: RunningApi, logger: Logger, timeoutMs = 10_000): void {
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logger.warn(
        { signal },
        'already shutting down: cutting open connections, still committing the production log',
      );
      running.app.server.closeAllConnections();
      return;
    }
    shuttingDown = true;
    logger.info({ signal }, 'shutting down: finishing requests in flight and flushing the production log');
    const force = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, timeoutMs);
    force.unref();
    running.close().then(
      () => {
        logger.info('shutdown complete');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
}
