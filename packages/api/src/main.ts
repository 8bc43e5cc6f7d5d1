import { createLogger, loadConfigOrExit } from '@mlops/core';
import { closeOnSignals, startApi } from './server.js';

/** Entry point: reads the configuration, listens on API_HOST:API_PORT, shuts down on SIGINT, SIGTERM or SIGHUP. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger({ name: 'api', level: config.LOG_LEVEL });
  const running = await startApi({ config, logger });
  closeOnSignals(running, logger);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `prediction API failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
