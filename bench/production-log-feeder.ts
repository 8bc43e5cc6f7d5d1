/**
 * One writer of the production-log benchmark (bench/production-log-pg.bench.ts), run as a child
 * process: a ProductionLog on PRODUCTION_LOG_URL fed at full speed for `--seconds`, holding the
 * queue under `--max-queued` rows (the writer's sustained rate is what is measured, not how fast
 * memory fills). Prints one JSON line with its counters.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { formatRawListingsCsv, parseRawListingsCsv, type Listing } from '@mlops/core/listing';
import { generateRawListings } from '@mlops/core/synthetic';
import type { ServedPrediction } from '../packages/api/src/production-log.js';
import { openProductionLog } from '../packages/api/src/production-log-open.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    seconds: { type: 'string', default: '8' },
    'max-queued': { type: 'string', default: '50000' },
    seed: { type: 'string', default: '3' },
  },
});
const seconds = Number(values.seconds);
const maxQueued = Number(values['max-queued']);

const { listings } = parseRawListingsCsv(
  formatRawListingsCsv(generateRawListings({ rows: 512, seed: Number(values.seed) })),
);
const templates: ServedPrediction[] = listings.map((l) => ({
  ts: 0,
  predictionId: '',
  modelName: 'HousingPriceClassifier',
  modelVersion: '1',
  modelAlias: 'production',
  listing: l as unknown as Listing,
  prediction: l.price_category,
  probabilities: { low: 0.2, medium: 0.5, high: 0.3 },
}));

const log = await openProductionLog({ dataDir: tmpdir(), url: values.url });
const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let maxQueue = 0;
const started = performance.now();
const end = started + seconds * 1000;
let i = 0;
while (performance.now() < end) {
  for (let k = 0; k < 500; k++, i++)
    log.append({ ...templates[i % templates.length]!, ts: Date.now(), predictionId: randomUUID() });
  maxQueue = Math.max(maxQueue, log.stats().queued);
  await yieldToLoop();
  // Back-pressure: wait for the writer rather than measuring how fast memory fills.
  while (log.stats().queued > maxQueued) await sleep(1);
}
await log.flush();
const elapsed = (performance.now() - started) / 1000;
const stats = log.stats();
await log.close();
process.stdout.write(
  `${JSON.stringify({ ...stats, elapsedSeconds: elapsed, rowsPerSecond: stats.committed / elapsed, maxQueued: maxQueue })}\n`,
);
