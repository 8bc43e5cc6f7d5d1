/**
 * Registry entry point: reads the configuration and listens on
 * REGISTRY_HOST:REGISTRY_PORT until SIGINT/SIGTERM.
 */
import { createLogger, loadConfigOrExit } from '@mlops/core';
import { startRegistry } from './index.js';
import { redactUrl } from './store/registry-db-url.js';

const config = loadConfigOrExit();
const logger = createLogger({ name: 'registry', level: config.LOG_LEVEL });
try {
  const { url, close } = await startRegistry(config, logger);
  logger.info(
    { url, db: redactUrl(config.REGISTRY_DB), artifacts: config.REGISTRY_ARTIFACT_ROOT },
    'registry listening',
  );
  const stop = (signal: string): void => {
    logger.info({ signal }, 'registry stopping');
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'registry did not close cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
} catch (error) {
  logger.fatal({ err: error }, 'registry failed to start');
  process.exit(1);
}
