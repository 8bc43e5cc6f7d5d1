/**
 * The model the API benchmark serves: core's trainModel with its production defaults (200 trees,
 * 200 boosting rounds, the listing memory) on synthetic listings, saved as the local bundle file.
 */
import { statSync } from 'node:fs';
import { formatRawListingsCsv, parseRawListingsCsv } from '@mlops/core/listing';
import { saveBundle, trainModel } from '@mlops/core/model';
import { generateRawListings } from '@mlops/core/synthetic';

export interface BenchModel {
  trainingRows: number;
  trees: number;
  features: number;
  bundleBytes: number;
  accuracy: number;
}

/** Trains the benchmark model and writes it to `path`. */
export async function writeBenchBundle(path: string, rows = 20_000, trees = 200): Promise<BenchModel> {
  const csv = formatRawListingsCsv(generateRawListings({ rows, seed: 42 }));
  const { listings } = parseRawListingsCsv(csv, { file: 'synthetic.csv' });
  const { bundle, model, metrics } = await trainModel(listings, { trees, seed: 42, baseline: false });
  await saveBundle(path, bundle);
  return {
    trainingRows: listings.length,
    trees,
    features: model.pipeline.nFeatures,
    bundleBytes: statSync(path).size,
    accuracy: Number(metrics.accuracy.toFixed(4)),
  };
}
