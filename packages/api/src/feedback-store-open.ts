import type { Logger } from '@mlops/core';
import type { FeedbackStore } from './feedback-store.js';
import { PostgresFeedbackStore } from './postgres-feedback-store.js';
import type { ProductionLog } from './production-log.js';
import { SqliteFeedbackStore } from './sqlite-feedback-store.js';

export interface OpenFeedbackStoreOptions {
  /** The production log the feedback refers to; null: no feedback store. */
  productionLog: ProductionLog | null;
  /** PRODUCTION_LOG_URL, the database of a PostgreSQL production log. */
  url: string | undefined;
  logger?: Logger;
}

/**
 * The feedback store beside the production log: its SQLite file, or the PostgreSQL database at
 * PRODUCTION_LOG_URL when the log is there (shared by every replica). null without a log, or for a
 * PostgreSQL log whose URL is not known (one injected without PRODUCTION_LOG_URL).
 * @throws Error naming PRODUCTION_LOG_URL or the file when the store cannot be opened
 */
export async function openFeedbackStore(options: OpenFeedbackStoreOptions): Promise<FeedbackStore | null> {
  const { productionLog, url } = options;
  if (productionLog === null) return null;
  if (productionLog.stats().backend === 'sqlite')
    return new SqliteFeedbackStore({ path: productionLog.path });
  if (url === undefined) return null;
  return PostgresFeedbackStore.open({ url, ...(options.logger ? { logger: options.logger } : {}) });
}
