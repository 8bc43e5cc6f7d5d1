import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PRICE_CATEGORIES } from '../../src/constants.js';
import { BundleFormatError, InvalidDataError } from '../../src/errors.js';
import { type ListingRecord } from '../../src/listing/listing.js';
import {
  BUNDLE_FORMAT_VERSION,
  loadBundle,
  parseBundle,
  saveBundle,
  type ModelBundle,
} from '../../src/model/bundle.js';
import { Model } from '../../src/model/model.js';
import { trainModel } from '../../src/model/training.js';
import { labelledListings } from '../listing/labelled-listings.js';

const listings = labelledListings(500, 21);
let bundle: ModelBundle;
let model: Model;

beforeAll(async () => {
  const result = await trainModel(listings, { trees: 8, seed: 3, threads: 1, baseline: false });
  bundle = result.bundle;
  model = result.model;
});

const unseen: ListingRecord = {
  GrossSquareMeters: 100,
  NetSquareMeters: 80,
  BuildingAge: 10,
  NumberOfRooms: 3,
  district: 'district1',
  HeatingType: 'central',
  StructureType: 'concrete',
  FloorLocation: 'middle',
  address: '123 Main St',
  AdCreationDate: '2024-01-01',
  Subscription: 'premium',
};

describe('Model', () => {
  it('predicts the most probable category with probabilities in [0, 1] that sum to one', () => {
    for (const listing of [...listings, unseen]) {
      const { price_category, probabilities } = model.predict(listing);
      const values = PRICE_CATEGORIES.map((c) => probabilities[c]);
      for (const p of values) expect(p >= 0 && p <= 1).toBe(true);
      expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(probabilities[price_category]).toBe(Math.max(...values));
    }
  });

  it("answers the old service's example body, whose categories were never seen", () => {
    const prediction = model.predict(unseen);
    expect(PRICE_CATEGORIES).toContain(prediction.price_category);
  });

  it('predictBatch and predictProbaBatch agree with predict', () => {
    const rows = listings.slice(0, 15);
    const batch = model.predictBatch(rows);
    const proba = model.predictProbaBatch(rows);
    rows.forEach((row, i) => {
      expect(batch[i]).toEqual(model.predict(row));
      PRICE_CATEGORIES.forEach((c, k) =>
        expect(proba[i * 3 + k]).toBeCloseTo(batch[i]!.probabilities[c], 12),
      );
    });
  });

  it('writes probabilities into a given buffer', () => {
    const out = new Float64Array(3);
    expect(model.predictProba(listings[0]!, out)).toBe(out);
    expect(out[0]).toBe(model.predict(listings[0]!).probabilities.low);
  });
});

describe('saveBundle / loadBundle', () => {
  it('round-trips to a model with identical predictions and leaves no temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
    const path = join(dir, 'nested', 'model.bundle.json');
    await saveBundle(path, bundle);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['model.bundle.json']);
    const loaded = await loadBundle(path);
    expect(loaded.metadata).toEqual(JSON.parse(JSON.stringify(bundle.metadata)));
    const restored = await Model.load(path);
    for (const listing of [...listings.slice(0, 30), unseen]) {
      expect(restored.predict(listing)).toEqual(model.predict(listing));
    }
  });

  it('names a missing file and a file that is not JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
    await expect(loadBundle(join(dir, 'absent.json'))).rejects.toThrow(InvalidDataError);
    await expect(loadBundle(join(dir, 'absent.json'))).rejects.toThrow(/absent\.json does not exist/);
    const garbage = join(dir, 'garbage.json');
    writeFileSync(garbage, 'not json at all');
    await expect(loadBundle(garbage)).rejects.toThrow(BundleFormatError);
    await expect(loadBundle(garbage)).rejects.toThrow(/garbage\.json is not valid JSON/);
  });
});

describe('parseBundle', () => {
  it('refuses another kind or format version, naming got and expected', () => {
    expect(() => parseBundle({ ...bundle, formatVersion: 7 })).toThrow(
      new RegExp(`got v7, expected v${BUNDLE_FORMAT_VERSION}`),
    );
    expect(() => parseBundle({ ...bundle, kind: 'random-forest' }, 'x.json')).toThrow(
      /x\.json is not a model bundle: got kind "random-forest", expected "housing-price-model"/,
    );
    expect(() => parseBundle([1, 2])).toThrow(BundleFormatError);
    expect(() => parseBundle({ ...bundle, labels: ['a', 'b', 'c'] })).toThrow(/labels: got \["a","b","c"\]/);
    expect(() => parseBundle({ ...bundle, forest: undefined })).toThrow(/no forest object/);
  });

  it('refuses a pipeline and forest that disagree on the feature count', () => {
    const pipeline = {
      ...bundle.pipeline,
      blocks: bundle.pipeline.blocks.filter((b) => b.type !== 'engineered'),
    };
    pipeline.featureNames = pipeline.featureNames.filter(
      (n) => !['net_gross_ratio', 'gross_per_room', 'gross_minus_net'].includes(n),
    );
    expect(() => Model.fromBundle({ ...bundle, pipeline })).toThrow(
      /pipeline writes \d+ features, the forest expects \d+/,
    );
  });

  it('refuses malformed optional parts and blend weights, naming them', () => {
    expect(() => parseBundle({ ...bundle, boosting: 3 })).toThrow(/boosting must be an object when present/);
    expect(() => parseBundle({ ...bundle, memory: null })).toThrow(/memory must be an object when present/);
    expect(() => parseBundle({ ...bundle, blend: { forest: 1, boosting: -1, memory: 1 } })).toThrow(
      /blend\.boosting must be a number >= 0, got -1/,
    );
    expect(() => parseBundle({ ...bundle, blend: { forest: 1, boosting: 1 } })).toThrow(/blend\.memory/);
    expect(() => parseBundle({ ...bundle, blend: { forest: 0, boosting: 0, memory: 1 } })).toThrow(
      /blend gives the trees no weight/,
    );
    expect(() =>
      Model.fromBundle({ ...bundle, boosting: { ...bundle.boosting!, kind: 'x' as never } }),
    ).toThrow(BundleFormatError);
    expect(() =>
      Model.fromBundle({ ...bundle, memory: { ...bundle.memory!, nClasses: 2, counts: [] } }),
    ).toThrow(BundleFormatError);
  });

  it('serves a bundle written before boosting and memory existed by its forest alone', () => {
    const { boosting: _b, memory: _m, blend: _w, ...old } = bundle;
    const forestOnly = Model.fromBundle(old as ModelBundle);
    expect(forestOnly.boosting).toBeNull();
    expect(forestOnly.memory).toBeNull();
    const row = forestOnly.pipeline.transform([unseen]);
    expect(Array.from(forestOnly.predictProba(unseen))).toEqual(
      Array.from(forestOnly.forest.predictProbaBatch(row)).map((v) => Math.min(1, Math.max(0, v))),
    );
  });

  it('refuses a forest of another format version inside the bundle', () => {
    expect(() => Model.fromBundle({ ...bundle, forest: { ...bundle.forest, formatVersion: 99 } })).toThrow(
      /got v99, expected v1/,
    );
  });
});
