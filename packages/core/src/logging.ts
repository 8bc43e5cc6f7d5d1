import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

export interface LoggerSettings {
  /** Logger name, shown on every line (for example the service name). */
  name: string;
  /** pino level; defaults to LOG_LEVEL or `info`. */
  level?: string;
  /** Where lines go. Tests pass a stream and parse the JSON lines. Defaults to stdout. */
  destination?: DestinationStream;
  /** Pretty-print for humans. Default: LOG_FORMAT=pretty, or stdout is a terminal and LOG_FORMAT is not `json`. */
  pretty?: boolean;
}

/** Creates a pino logger writing JSON lines (pretty in a terminal). */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    name: settings.name,
    level: settings.level ?? process.env.LOG_LEVEL ?? 'info',
  };
  if (settings.destination) return pino(options, settings.destination);
  // LOG_FORMAT=pretty forces colours (a parent that prefixes our lines sets it); `json` forces JSON lines.
  const format = process.env.LOG_FORMAT;
  const pretty =
    settings.pretty ?? (format === 'pretty' || (process.stdout.isTTY === true && format !== 'json'));
  if (pretty) {
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    });
  }
  return pino(options);
}
