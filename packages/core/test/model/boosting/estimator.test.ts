import { describe, expect, it } from 'vitest';
import { GradientBoosting } from '../../../src/model/boosting/estimator.js';
import type { BoostingOptions } from '../../../src/model/boosting/params.js';
import { Random } from '../../../src/sampling/random.js';
import { FAST, accuracy, row, threeClasses } from './boosting-fixtures.js';

describe('GradientBoosting.fit', () => {
  it('learns a separable problem', () => {
    const train = threeClasses(1500, 1);
    const test = threeClasses(500, 2);
    const model = GradientBoosting.fit(train.X, train.y, 3, { ...FAST, iterations: 60 });
    expect(model.nClasses).toBe(3);
    expect(model.nFeatures).toBe(5);
    expect(model.iterations).toBe(60);
    expect(accuracy(model, test.X, test.y)).toBeGreaterThan(0.93);
  });

  it('returns probabilities that sum to 1, in a caller buffer or a new one, for array and typed rows', () => {
    const { X, y } = threeClasses(400, 3, { noise: 0.2 });
    const model = GradientBoosting.fit(X, y, 3, FAST);
    const first = row(X, 0);
    const proba = model.predictProba(first);
    expect(proba.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    for (const p of proba) expect(p).toBeGreaterThan(0);
    expect(model.predict(first)).toBe(proba.indexOf(Math.max(...proba)));
    const out = new Float64Array(3);
    expect(model.predictProba(Array.from(first), out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(proba));
    const batch = model.predictProbaBatch(X);
    expect(batch.length).toBe(X.nRows * 3);
    for (let r = 0; r < X.nRows; r++) {
      expect(Array.from(batch.subarray(3 * r, 3 * r + 3))).toEqual(Array.from(model.predictProba(row(X, r))));
      expect(batch[3 * r]! + batch[3 * r + 1]! + batch[3 * r + 2]!).toBeCloseTo(1, 12);
    }
  });

  it('is deterministic: the same data and options give the same model', () => {
    const { X, y } = threeClasses(500, 6, { noise: 0.1, missing: 0.05 });
    const a = GradientBoosting.fit(X, y, 3, FAST);
    const b = GradientBoosting.fit(X, y, 3, FAST);
    expect(JSON.stringify(b.toJSON())).toBe(JSON.stringify(a.toJSON()));
    const c = GradientBoosting.fit(X, y, 3, { ...FAST, learningRate: 0.1 });
    expect(JSON.stringify(c.toJSON())).not.toBe(JSON.stringify(a.toJSON()));
  });

  it('weighs classes: balanced weights raise the minority class on imbalanced data', () => {
    // Overlapping classes, 1 row in 10 of class 1.
    const random = new Random(10);
    const n = 1000;
    const data = new Float64Array(n);
    const y = new Uint8Array(n);
    for (let r = 0; r < n; r++) {
      y[r] = r % 10 === 0 ? 1 : 0;
      data[r] = random.nextFloat() + (y[r] === 1 ? 0.3 : 0);
    }
    const X = { data, nRows: n, nFeatures: 1 };
    const balanced = GradientBoosting.fit(X, y, 2, FAST);
    const plain = GradientBoosting.fit(X, y, 2, { ...FAST, classWeight: null });
    const meanMinority = (model: GradientBoosting): number => {
      const proba = model.predictProbaBatch(X);
      let sum = 0;
      for (let r = 0; r < n; r++) sum += proba[2 * r + 1]!;
      return sum / n;
    };
    // Unweighted, the mean probability of class 1 is about its share (0.1); balanced
    // weights make both classes weigh the same, which at least doubles it.
    expect(meanMinority(plain)).toBeLessThan(0.15);
    expect(meanMinority(balanced)).toBeGreaterThan(2 * meanMinority(plain));
    let predictedPlain = 0;
    let predictedBalanced = 0;
    for (let r = 0; r < n; r++) {
      predictedPlain += plain.predict([data[r]!]);
      predictedBalanced += balanced.predict([data[r]!]);
    }
    expect(predictedBalanced).toBeGreaterThan(predictedPlain);
  });

  it('reports progress after each round and stops between rounds when aborted', () => {
    const { X, y } = threeClasses(300, 11);
    const calls: [number, number][] = [];
    GradientBoosting.fit(X, y, 3, {
      ...FAST,
      iterations: 7,
      onProgress: (done, total) => calls.push([done, total]),
    });
    expect(calls).toEqual([1, 2, 3, 4, 5, 6, 7].map((done) => [done, 7]));

    const controller = new AbortController();
    const reason = new Error('stop now');
    let rounds = 0;
    expect(() =>
      GradientBoosting.fit(X, y, 3, {
        ...FAST,
        iterations: 50,
        signal: controller.signal,
        onProgress: (done) => {
          rounds = done;
          if (done === 3) controller.abort(reason);
        },
      }),
    ).toThrow(reason);
    expect(rounds).toBe(3);
    // An already aborted signal stops before any work.
    expect(() => GradientBoosting.fit(X, y, 3, { ...FAST, signal: AbortSignal.abort(reason) })).toThrow(
      reason,
    );
  });

  it('refuses bad inputs with errors naming them', () => {
    const { X, y } = threeClasses(50, 12);
    expect(() => GradientBoosting.fit(X, y, 1)).toThrow(/nClasses must be an integer in \[2, 256\], got 1/);
    expect(() => GradientBoosting.fit(X, y.subarray(1), 3)).toThrow(/y has 49 labels but X has 50 rows/);
    expect(() =>
      GradientBoosting.fit(
        X,
        Uint8Array.from(y, () => 3),
        3,
      ),
    ).toThrow(/y\[0\] = 3/);
    expect(() => GradientBoosting.fit({ ...X, nRows: 49 }, y, 3)).toThrow(/X\.data has 250 values/);
    expect(() => GradientBoosting.fit({ data: new Float64Array(0), nRows: 0, nFeatures: 5 }, [], 3)).toThrow(
      /X has no rows/,
    );
    const model = GradientBoosting.fit(X, y, 3, { ...FAST, iterations: 2 });
    expect(() => model.predictProba([1, 2])).toThrow(/row has 2 values, expected nFeatures = 5/);
    expect(() => model.predictProba(row(X, 0), new Float64Array(2))).toThrow(/out has 2 slots/);
    expect(() => model.predictProbaBatch({ data: new Float64Array(4), nRows: 2, nFeatures: 2 })).toThrow(
      /X has 2 features, expected 5/,
    );
  });
});

describe('GradientBoosting.fitAsync', () => {
  it('gives the same model as fit while timers keep firing during training', async () => {
    const { X, y } = threeClasses(3000, 31, { noise: 0.1 });
    const options: BoostingOptions = { iterations: 100, maxLeafNodes: 31, minSamplesLeaf: 5 };
    const sync = GradientBoosting.fit(X, y, 3, options);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = performance.now();
    const model = await GradientBoosting.fitAsync(X, y, 3, options);
    const elapsed = performance.now() - started;
    clearInterval(timer);
    expect(JSON.stringify(model.toJSON())).toBe(JSON.stringify(sync.toJSON()));
    // At most 20 ms of work between turns of the event loop, so a longer training let the timer fire.
    expect(elapsed).toBeGreaterThan(40);
    expect(ticks).toBeGreaterThan(0);
  });

  it('stops between rounds when the signal aborts, rejecting with its reason', async () => {
    const { X, y } = threeClasses(2000, 32);
    const controller = new AbortController();
    const reason = new Error('stop now');
    const training = GradientBoosting.fitAsync(X, y, 3, {
      iterations: 500,
      onProgress: (done) => {
        if (done === 3) controller.abort(reason);
      },
      signal: controller.signal,
    });
    await expect(training).rejects.toBe(reason);
  });
});
