/**
 * Feedback ingest benchmark: ground-truth rows per second through POST /feedback over HTTP, against the
 * real service (packages/api/src/main.ts as a child process, production log and feedback store on the
 * same SQLite file, or with `--backend postgresql` both in one PostgreSQL database: a throw-away
 * cluster with durable settings, fsync on, on the same machine, PRODUCTION_LOG_URL set), in batches
 * and as single-item requests.
 *
 *   pnpm bench:feedback [--backend sqlite|postgresql] [--runs 3] [--rows 20000] [--batch 1000] [--single 3000] [--connections 8] [--out FILE]
 *   pnpm bench:feedback-pg  (the same with --backend postgresql)
 *
 * Each round first serves `rows` predictions (POST /predict/batch, committed before the answer) to get
 * real prediction ids, then times:
 *  - batches: `rows` items in requests of `batch` items, `connections` requests in flight, half with
 *    true_category and half with sold_price (converted with the version's cut points);
 *  - single items: `single` one-item requests, `connections` in flight;
 *  - the baseline: the same rows served as /predict/batch requests of `batch` listings (prediction and
 *    production log rows), the write path feedback sits beside.
 * Every request must answer 200 and every item be recorded. Medians over rounds; writes
 * bench/results/feedback.json (feedback-postgres.json for PostgreSQL).
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { loadavg, cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { MODEL_BUNDLE_FILE, PRICE_CATEGORIES } from '@mlops/core';
import {
  formatRawListingsCsv,
  labelPriceThresholds,
  parseRawListingsCsv,
  type Listing,
} from '@mlops/core/listing';
import { saveBundle, trainModel } from '@mlops/core/model';
import { generateRawListings } from '@mlops/core/synthetic';
import { freePort } from '../test/support/free-port.js';
import { startPostgres, type PostgresServer } from '../test/support/postgres-server.js';
import {
  API_MAIN,
  repositoryRoot as root,
  startBenchServer,
  stopBenchServer,
  type BenchServer,
} from './bench-server.js';
import { median } from './load-summary.js';
import { apiListing } from './predict-requests.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    rows: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '1000' },
    single: { type: 'string', default: '3000' },
    connections: { type: 'string', default: '8' },
    backend: { type: 'string', default: 'sqlite' },
    out: { type: 'string' },
  },
});
if (values.backend !== 'sqlite' && values.backend !== 'postgresql') {
  throw new Error(`--backend must be sqlite or postgresql, got ${values.backend}`);
}
const onPostgres = values.backend === 'postgresql';
const out =
  values.out ?? join(root, 'bench', 'results', onPostgres ? 'feedback-postgres.json' : 'feedback.json');
const runs = Number(values.runs);
const rows = Number(values.rows);
const batchSize = Number(values.batch);
const singles = Number(values.single);
const connections = Number(values.connections);
const TARGET_ROWS_PER_SECOND = 5000;

async function startApi(
  dataDir: string,
  modelDir: string,
  productionLogUrl: string | undefined,
): Promise<BenchServer> {
  return startBenchServer(API_MAIN, {
    DATA_DIR: dataDir,
    MODEL_DIR: modelDir,
    // Nothing listens there: the API serves the local bundle.
    REGISTRY_URL: `http://127.0.0.1:${await freePort()}`,
    API_BATCH_LIMIT: String(batchSize),
    LOG_LEVEL: 'warn',
    ...(productionLogUrl ? { PRODUCTION_LOG_URL: productionLogUrl } : {}),
  });
}

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
  const json: unknown = await response.json();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

/** Runs the jobs with `limit` in flight; resolves with the wall time in seconds. */
async function timed(jobs: (() => Promise<void>)[], limit: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) await jobs[next++]!();
  };
  await Promise.all(Array.from({ length: limit }, lane));
  return (performance.now() - started) / 1000;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-feedback-'));
  const csv = formatRawListingsCsv(generateRawListings({ rows: 4000, seed: 11 }));
  const { listings } = parseRawListingsCsv(csv, { file: 'synthetic.csv' });
  // A small model: the benchmark measures the feedback path, not prediction.
  const priceThresholds = labelPriceThresholds(listings);
  if (!priceThresholds) throw new Error('synthetic listings gave no price cut points');
  const { bundle } = await trainModel(listings, {
    trees: 20,
    seed: 1,
    baseline: false,
    metadata: { priceThresholds },
  });
  const modelDir = join(work, 'models');
  await saveBundle(join(modelDir, MODEL_BUNDLE_FILE), bundle);
  const bodies: Listing[] = listings.slice(0, batchSize).map(apiListing);
  const predictBody = JSON.stringify(bodies);

  const postgres: PostgresServer | null = onPostgres ? await startPostgres({ durable: true }) : null;
  const rounds: Record<string, number>[] = [];
  for (let round = 1; round <= runs; round++) {
    const dataDir = join(work, `data-${round}`);
    // A fresh database each round, as the SQLite rounds get a fresh file.
    const api = await startApi(dataDir, modelDir, await postgres?.createDatabase());
    try {
      const ids: string[] = [];
      const predictSeconds = await timed(
        Array.from({ length: Math.ceil((rows + singles) / batchSize) }, () => async () => {
          const answer = (await post(`${api.url}/predict/batch`, predictBody, {
            'x-log-durability': 'sync',
          })) as { predictions: { prediction_id: string }[] };
          for (const p of answer.predictions) ids.push(p.prediction_id);
        }),
        connections,
      );
      const batchIds = ids.slice(0, rows);
      const singleIds = ids.slice(rows, rows + singles);
      const item = (id: string, i: number) =>
        i % 2 === 0
          ? { prediction_id: id, true_category: PRICE_CATEGORIES[i % 3] }
          : { prediction_id: id, sold_price: 500_000 + (i % 97) * 100_000 };

      let recorded = 0;
      const batchSeconds = await timed(
        chunks(batchIds, batchSize).map((part, c) => async () => {
          const body = JSON.stringify({ feedback: part.map((id, i) => item(id, c * batchSize + i)) });
          const answer = (await post(`${api.url}/feedback`, body)) as { recorded: number };
          recorded += answer.recorded;
        }),
        connections,
      );
      const singleSeconds = await timed(
        singleIds.map((id, i) => async () => {
          const body = JSON.stringify(item(id, i));
          const answer = (await post(`${api.url}/feedback`, body)) as { recorded: number };
          recorded += answer.recorded;
        }),
        connections,
      );
      if (recorded !== rows + singles) throw new Error(`recorded ${recorded} of ${rows + singles} items`);
      const measured = {
        round,
        batchRowsPerSecond: rows / batchSeconds,
        singleRowsPerSecond: singles / singleSeconds,
        predictBatchRowsPerSecond: ids.length / predictSeconds,
        loadAverage1m: loadavg()[0]!,
      };
      console.log(
        `round ${round}: feedback batches ${measured.batchRowsPerSecond.toFixed(0)} rows/s, single items ` +
          `${measured.singleRowsPerSecond.toFixed(0)} rows/s; /predict/batch ${measured.predictBatchRowsPerSecond.toFixed(0)} rows/s`,
      );
      rounds.push(measured);
    } finally {
      await stopBenchServer(api);
    }
  }
  await postgres?.stop();
  rmSync(work, { recursive: true, force: true });

  const pick = (key: string) => median(rounds.map((r) => r[key]!));
  const result = {
    benchmark: onPostgres
      ? 'feedback ingest over HTTP (POST /feedback, PostgreSQL store beside a PostgreSQL production log, fsync on)'
      : 'feedback ingest over HTTP (POST /feedback, SQLite store beside the production log)',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
    settings: { backend: values.backend, runs, rows, batchSize, singles, connections },
    target: { rowsPerSecond: TARGET_ROWS_PER_SECOND },
    median: {
      batchRowsPerSecond: Math.round(pick('batchRowsPerSecond')),
      singleRowsPerSecond: Math.round(pick('singleRowsPerSecond')),
      predictBatchRowsPerSecond: Math.round(pick('predictBatchRowsPerSecond')),
      batchVsPredictBatch: Number(
        (pick('batchRowsPerSecond') / pick('predictBatchRowsPerSecond')).toFixed(2),
      ),
    },
    meetsTarget: pick('batchRowsPerSecond') >= TARGET_ROWS_PER_SECOND,
    rounds,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result.median), result.meetsTarget ? 'meets target' : 'BELOW TARGET');
}

await main();
