import { describe, expect, it } from 'vitest';
import { PRICE_CATEGORIES } from '../../src/constants.js';
import { InvalidArgumentError, InvalidDataError } from '../../src/errors.js';
import { GradientBoosting } from '../../src/model/boosting/estimator.js';
import { ListingMemory } from '../../src/model/memory.js';
import { DEFAULT_BLEND, Model } from '../../src/model/model.js';
import {
  DEFAULT_TRAINING_BOOSTING_OPTIONS,
  holdoutSplit,
  labelIndices,
  trainModel,
} from '../../src/model/training.js';
import { listingHashPosition, listingsFingerprint } from '../../src/sampling/listing-hash.js';
import { labelledListings } from '../listing/labelled-listings.js';

const listings = labelledListings(800, 11);

describe('trainModel', () => {
  it('holds out about 20 % of every class by content hash, beats chance and the bundle records how it was trained', async () => {
    const progress: number[] = [];
    const rounds: number[] = [];
    const result = await trainModel(listings, {
      trees: 12,
      seed: 5,
      threads: 1,
      onProgress: (done, total, stage) => {
        if (stage === 'forest') {
          expect(rounds).toEqual([]); // the forest is grown first
          expect(total).toBe(12);
          progress.push(done);
        } else {
          expect(total).toBe(DEFAULT_TRAINING_BOOSTING_OPTIONS.iterations);
          rounds.push(done);
        }
      },
    });
    expect(result.nTrain + result.nEval).toBe(listings.length);
    expect(result.testSet).toHaveLength(result.nEval);
    expect(result.trainSet).toHaveLength(result.nTrain);
    // Held out: exactly the listings whose content hash falls below 0.2, in the data's order.
    expect(result.testSet).toEqual(listings.filter((l) => listingHashPosition(l) < 0.2));
    expect(result.trainSet).toEqual(listings.filter((l) => listingHashPosition(l) >= 0.2));
    // That is about 20 % of every class (the hash does not look at the label).
    for (const c of PRICE_CATEGORIES) {
      const all = listings.filter((l) => l.price_category === c).length;
      const held = result.testSet!.filter((l) => l.price_category === c).length;
      expect(held / all, c).toBeGreaterThan(0.15);
      expect(held / all, c).toBeLessThan(0.25);
    }
    expect(progress.at(-1)).toBe(12);
    expect(rounds.at(-1)).toBe(DEFAULT_TRAINING_BOOSTING_OPTIONS.iterations);
    expect(result.metrics.accuracy).toBeGreaterThan(0.6); // chance is about 0.4
    expect(result.metrics.n).toBe(result.nEval);
    expect(result.baselineMetrics?.accuracy).toBeGreaterThan(0.5);
    expect(result.fitSeconds).toBeGreaterThan(0);
    const { metadata } = result.bundle;
    expect(metadata).toMatchObject({
      nTrain: result.nTrain,
      nEval: result.nEval,
      seed: 5,
      trees: 12,
      evaluation: 'holdout',
      dataFingerprint: listingsFingerprint(result.trainSet),
    });
    expect(metadata.metrics).toEqual(result.metrics);
    expect(Date.parse(metadata.trainedAt)).not.toBeNaN();
    expect(result.bundle.labels).toEqual([...PRICE_CATEGORIES]);
  });

  it('holds out what holdoutSplit holds out: its two sides give the same model as trainModel on all', async () => {
    const whole = await trainModel(listings, { trees: 4, seed: 9, threads: 1, baseline: false });
    const { train, test } = holdoutSplit(listings);
    expect(train).toEqual(whole.trainSet);
    expect(test).toEqual(whole.testSet);
    // The training workflow's path: split first, then train on one side and evaluate on the other.
    const split = await trainModel(train, {
      trees: 4,
      seed: 9,
      threads: 1,
      baseline: false,
      evalListings: test,
    });
    expect(split.bundle.pipeline).toEqual(whole.bundle.pipeline);
    expect(split.bundle.forest).toEqual(whole.bundle.forest);
    expect(split.bundle.boosting).toEqual(whole.bundle.boosting);
    expect(split.bundle.memory).toEqual(whole.bundle.memory);
    expect(split.metrics).toEqual(whole.metrics);
    expect(split.bundle.metadata.dataFingerprint).toBe(whole.bundle.metadata.dataFingerprint);
  });

  it('evaluates on the given listings instead of a hold-out', async () => {
    const evalListings = labelledListings(200, 12);
    const result = await trainModel(listings, { trees: 5, threads: 1, evalListings, baseline: false });
    expect(result.nTrain).toBe(listings.length);
    expect(result.nEval).toBe(200);
    expect(result.testSet).toBeUndefined();
    expect(result.baselineMetrics).toBeNull();
    expect(result.bundle.metadata.evaluation).toBe('eval-set');
  });

  it('is reproducible: the same data and seed give the same forest, pipeline and metrics', async () => {
    const a = await trainModel(listings, { trees: 6, seed: 9, threads: 1, baseline: false });
    const b = await trainModel(listings, { trees: 6, seed: 9, threads: 2, baseline: false });
    expect(b.bundle.forest).toEqual(a.bundle.forest);
    expect(b.bundle.boosting).toEqual(a.bundle.boosting);
    expect(b.bundle.memory).toEqual(a.bundle.memory);
    expect(b.bundle.pipeline).toEqual(a.bundle.pipeline);
    expect(b.metrics).toEqual(a.metrics);
  });

  it('blends forest, boosting and memory, and records the metrics of exactly that blend', async () => {
    const evalListings = [...labelledListings(150, 13), ...listings.slice(0, 50)];
    const result = await trainModel(listings, {
      trees: 10,
      seed: 3,
      threads: 1,
      evalListings,
      baseline: false,
    });
    const { bundle, model } = result;
    expect(bundle.blend).toEqual(DEFAULT_BLEND);
    expect(model.boosting).toBeInstanceOf(GradientBoosting);
    expect(model.memory).toBeInstanceOf(ListingMemory);
    expect(model.memory!.size).toBeGreaterThan(0);
    expect(bundle.metadata.memoryListings).toBe(model.memory!.size);

    // The blend, computed by hand from the parts, for a listing seen in training and one not.
    const X = model.pipeline.transform(evalListings);
    const pf = model.forest.predictProbaBatch(X);
    const pb = model.boosting!.predictProbaBatch(X);
    const { forest: wf, boosting: wb, memory: wm } = DEFAULT_BLEND;
    for (const r of [0, 150]) {
      const shares = new Float64Array(3);
      const seen = model.memory!.lookup(evalListings[r]!, shares);
      expect(seen).toBe(r === 150);
      const p = model.predictProba(evalListings[r]!);
      for (let c = 0; c < 3; c++) {
        const trees = (wf * pf[r * 3 + c]! + wb * pb[r * 3 + c]!) / (wf + wb);
        expect(p[c]).toBeCloseTo(seen ? (trees + wm * shares[c]!) / (1 + wm) : trees, 12);
      }
    }
    expect(result.metrics).toEqual(bundle.metadata.metrics);
    const again = Model.fromBundle(JSON.parse(JSON.stringify(bundle)));
    expect(Array.from(again.predictProbaBatch(evalListings))).toEqual(
      Array.from(model.predictProbaBatch(evalListings)),
    );
  });

  it('leaves out the boosting and the memory when asked, serving the forest alone', async () => {
    const result = await trainModel(listings, {
      trees: 5,
      threads: 1,
      baseline: false,
      boosting: false,
      memory: false,
    });
    expect(result.bundle.boosting).toBeUndefined();
    expect(result.bundle.memory).toBeUndefined();
    const X = result.model.pipeline.transform(listings.slice(0, 20));
    expect(Array.from(result.model.predictProbaBatch(listings.slice(0, 20)))).toEqual(
      Array.from(result.model.forest.predictProbaBatch(X)).map((v) => Math.min(1, Math.max(0, v))),
    );
  });

  it('serves the trained model straight from the result', async () => {
    const result = await trainModel(listings, { trees: 5, threads: 1, baseline: false });
    const prediction = result.model.predict(listings[0]!);
    expect(PRICE_CATEGORIES).toContain(prediction.price_category);
    const sum = Object.values(prediction.probabilities).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 12);
  });

  it('refuses no data, an empty evaluation set and bad settings with clear messages', async () => {
    await expect(trainModel([])).rejects.toThrow(InvalidDataError);
    await expect(trainModel(listings, { evalListings: [] })).rejects.toThrow(/evaluation set is empty/);
    await expect(trainModel(listings, { trees: 0 })).rejects.toThrow(InvalidArgumentError);
    await expect(trainModel(listings, { holdout: 1.5 })).rejects.toThrow(/between 0 and 1/);
  });
});

describe('listingsFingerprint', () => {
  it('changes with any value or label and not otherwise', () => {
    const rows = listings.slice(0, 20);
    expect(listingsFingerprint(rows)).toBe(listingsFingerprint(rows.map((r) => ({ ...r }))));
    expect(listingsFingerprint(rows)).toMatch(/^[0-9a-f]{64}$/);
    const changed = rows.map((r, i) =>
      i === 3 ? { ...r, GrossSquareMeters: (r.GrossSquareMeters ?? 0) + 1 } : r,
    );
    expect(listingsFingerprint(changed)).not.toBe(listingsFingerprint(rows));
  });
});

describe('labelIndices', () => {
  it('maps categories to PRICE_CATEGORIES indices and names a bad one', () => {
    expect(Array.from(labelIndices(listings.slice(0, 3)))).toEqual(
      listings.slice(0, 3).map((l) => PRICE_CATEGORIES.indexOf(l.price_category)),
    );
    expect(() => labelIndices([{ ...listings[0]!, price_category: 'huge' as never }])).toThrow(
      /listing 0 has price_category "huge"/,
    );
  });
});
