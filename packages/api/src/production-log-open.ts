import { join } from 'node:path';
import { PRODUCTION_LOG_FILE } from '@mlops/core/listing';
import { ProductionLog, type ProductionLogOptions } from './production-log.js';
import { PostgresLogStore } from './production-log-postgres.js';

export interface OpenProductionLogOptions extends Omit<ProductionLogOptions, 'store' | 'path'> {
  /** DATA_DIR: the SQLite file is `<dataDir>/production/predictions.db`. */
  dataDir: string;
  /** PRODUCTION_LOG_URL: when set, the log is that PostgreSQL database's table instead of the file. */
  url?: string;
}

/**
 * The production log the configuration names: the PostgreSQL table at PRODUCTION_LOG_URL (shared by
 * every replica) when it is set, else the SQLite file under DATA_DIR.
 * @throws Error naming PRODUCTION_LOG_URL (password masked) or the file when the log cannot be opened
 */
export async function openProductionLog(options: OpenProductionLogOptions): Promise<ProductionLog> {
  const { dataDir, url, ...settings } = options;
  if (url === undefined) {
    return new ProductionLog({ ...settings, path: join(dataDir, 'production', PRODUCTION_LOG_FILE) });
  }
  const store = await PostgresLogStore.open({ url, logger: settings.logger });
  return new ProductionLog({ ...settings, store });
}
