/**
 * The data of the drift benchmarks (bench/drift.bench.ts, bench/drift-postgres.bench.ts): a
 * reference from 16,000 synthetic listings (seed 1), about the size of the real training split,
 * and a production log of N rows built from a pool of 50,000 synthetic listings (seed 2) repeated
 * with timestamps 100 ms apart from 2024-01-01.
 */
import { buildReferenceSnapshot, type ReferenceSnapshot } from '@mlops/core/drift';
import { RAW_COLUMNS, formatRawListingsCsv, parseRawListingsCsv } from '@mlops/core/listing';
import { generateRawListings } from '@mlops/core/synthetic';
import { writeProductionLog } from '../packages/monitor/test/production-log-fixture.js';

/** Timestamp of the first logged row. */
export const LOG_START = Date.UTC(2024, 0, 1);

/** `rows` synthetic listings, through the CSV parser as real data goes. */
export function syntheticListings(rows: number, seed: number) {
  return parseRawListingsCsv(formatRawListingsCsv(generateRawListings({ rows, seed }), RAW_COLUMNS)).listings;
}

/** The benchmark's reference snapshot and its pool of production listings. */
export function driftBenchData(): {
  reference: ReferenceSnapshot;
  pool: ReturnType<typeof syntheticListings>;
} {
  const train = syntheticListings(16_000, 1);
  const reference = buildReferenceSnapshot(
    train,
    train.map((l) => l.price_category),
  );
  return { reference, pool: syntheticListings(50_000, 2) };
}

/** Row `i` of the production log: the pool cycled, 100 ms apart. */
export function loggedRow(pool: ReturnType<typeof syntheticListings>, i: number) {
  const listing = pool[i % pool.length]!;
  return { listing, prediction: listing.price_category, ts: LOG_START + i * 100 };
}

/** Writes the first `rows` rows into a SQLite production log at `file` (one transaction). */
export function writeSqliteProductionLog(
  file: string,
  pool: ReturnType<typeof syntheticListings>,
  rows: number,
): void {
  writeProductionLog(
    file,
    (function* () {
      for (let i = 0; i < rows; i++) yield loggedRow(pool, i);
    })(),
  );
}
