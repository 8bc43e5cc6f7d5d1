import { formatRawListingsCsv, parseRawListingsCsv } from '@mlops/core/listing';
import { trainModel } from '@mlops/core/model';
import { generateRawListings } from '@mlops/core/synthetic';

const cache = new Map<number, Promise<string>>();

/**
 * A real model bundle (core's trainModel on synthetic listings, small and quick to train), as file
 * text. `variant` changes the data seed, so variants are distinct bundles; each is trained once per
 * test process.
 */
export function trainedBundle(variant = 0): Promise<string> {
  let bundle = cache.get(variant);
  if (!bundle) {
    bundle = (async () => {
      const csv = formatRawListingsCsv(generateRawListings({ rows: 1500, seed: 1000 + variant }));
      const { listings } = parseRawListingsCsv(csv, { file: `synthetic-${variant}.csv` });
      const { bundle: trained } = await trainModel(listings, {
        trees: 12,
        seed: 7 + variant,
        baseline: false,
        threads: 1,
      });
      return JSON.stringify(trained);
    })();
    cache.set(variant, bundle);
  }
  return bundle;
}
