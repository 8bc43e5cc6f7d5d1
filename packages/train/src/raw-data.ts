/**
 * Which raw listings a training run reads: the file the run names, or every
 * CSV under `<DATA_DIR>/raw/` (synthetic listings are written there first when
 * it has none, so a new stack can train).
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidDataError, type Config, type Logger } from '@mlops/core';
import { writeSyntheticListings } from '@mlops/core/synthetic';

/** Rows of the synthetic listings written when data/raw/ is empty. */
export const SYNTHETIC_ROWS = 20_000;

export interface RawDataRequest {
  /** Raw CSV to read instead of data/raw/. */
  dataPath?: string;
  /** Seed of the synthetic listings, when they have to be made. */
  seed: number;
}

/** The raw CSV files to train on, in name order. */
export async function rawDataFiles(
  deps: { config: Config; logger: Logger },
  request: RawDataRequest,
): Promise<string[]> {
  if (request.dataPath) {
    if (!existsSync(request.dataPath)) throw new InvalidDataError(`${request.dataPath}: no such file`);
    return [request.dataPath];
  }
  const rawDir = join(deps.config.DATA_DIR, 'raw');
  mkdirSync(rawDir, { recursive: true });
  const files = readdirSync(rawDir)
    .filter((f) => f.toLowerCase().endsWith('.csv'))
    .sort()
    .map((f) => join(rawDir, f));
  if (files.length > 0) return files;
  const path = join(rawDir, 'listings.csv');
  deps.logger.info({ path, rows: SYNTHETIC_ROWS }, `${rawDir} has no listings: generating synthetic ones`);
  await writeSyntheticListings(path, { rows: SYNTHETIC_ROWS, seed: request.seed });
  return [path];
}
