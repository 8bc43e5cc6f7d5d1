/**
 * Labelled feedback as training data from the PostgreSQL production log (PRODUCTION_LOG_URL), where
 * every API replica records it: the same query and the same listings as the SQLite reader.
 */
import pg from 'pg';
import { InvalidDataError, describeDatabaseError, redactUrl } from '@mlops/core';
import { FEEDBACK_TABLE, PRODUCTION_LOG_TABLE, type LabelledListing } from '@mlops/core/listing';
import {
  LABELLED_FEEDBACK_SQL,
  feedbackLogPath,
  labelledListings,
  readLabelledFeedback,
} from './feedback-listings.js';

/**
 * The labelled served listings in the PostgreSQL log at `url`, oldest served first; empty when the
 * log, its feedback table or its prediction ids do not exist (no feedback yet).
 * @throws InvalidDataError naming PRODUCTION_LOG_URL (password masked) when the server cannot be read
 */
export async function readPostgresLabelledFeedback(
  url: string,
  options: { connectTimeoutMs?: number } = {},
): Promise<LabelledListing[]> {
  const shown = redactUrl(url);
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: 'mlops-train labelled feedback',
  });
  // A connection dropped mid-read surfaces as the query's rejection; this keeps it from being unhandled.
  client.on('error', () => undefined);
  try {
    await client.connect();
    const ready = await client.query<{ ready: boolean }>(
      `SELECT to_regclass($2) IS NOT NULL AND EXISTS (
         SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'prediction_id' AND NOT attisdropped
       ) AS ready`,
      [PRODUCTION_LOG_TABLE, FEEDBACK_TABLE],
    );
    if (!ready.rows[0]?.ready) return [];
    return labelledListings((await client.query<Record<string, unknown>>(LABELLED_FEEDBACK_SQL)).rows);
  } catch (error) {
    throw new InvalidDataError(
      `cannot read labelled feedback from the production log at PRODUCTION_LOG_URL=${shown}: ${describeDatabaseError(error)}`,
      { cause: error },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The labelled feedback of the configured production log: the PostgreSQL database at
 * PRODUCTION_LOG_URL when it is set, else the SQLite file under DATA_DIR.
 */
export async function readConfiguredLabelledFeedback(config: {
  DATA_DIR: string;
  PRODUCTION_LOG_URL?: string | undefined;
}): Promise<LabelledListing[]> {
  return config.PRODUCTION_LOG_URL !== undefined
    ? readPostgresLabelledFeedback(config.PRODUCTION_LOG_URL)
    : readLabelledFeedback(feedbackLogPath(config.DATA_DIR));
}
