// Aggregation of one range of production-log row ids, shared by the main
// thread and the window worker thread. Plain JavaScript on purpose: a worker
// thread on Node 20 cannot load TypeScript without registering tsx's loader
// inside it, which costs more start-up time (about 0.3 s of CPU) than the
// worker saves. Types: window-aggregate.d.mts. The plan (SQL and layout) is
// built by production-window.ts.

/** Character code of a missing numeric value in the binned strings. */
export const MISSING_CHAR = 33; // '!'
/** Character code of numeric bin 0 ('A'); bin b is BIN_CHAR_BASE + b. */
export const BIN_CHAR_BASE = 65;

/**
 * Runs the plan's aggregate statement over ids [lo, hi] in chunks of
 * plan.chunkRows ids and the address sample statement once, and returns the
 * counts.
 * @param {import('better-sqlite3').Database} db
 * @param {import('./window-aggregate.mjs').AggregatePlan} plan
 * @param {number} lo
 * @param {number} hi
 * @returns {import('./window-aggregate.mjs').WindowPartial}
 */
export function aggregateIdRange(db, plan, lo, hi) {
  const aggregate = db.prepare(plan.aggregateSql).raw();
  const partial = {
    rows: 0,
    firstTs: null,
    lastTs: null,
    addressNonMissing: 0,
    predictions: new Array(plan.predictionClasses).fill(0),
    text: plan.textFields.map(() => ({ counts: new Map(), missing: 0 })),
    numeric: plan.numericBins.map((bins) => ({ counts: new Array(bins).fill(0), missing: 0 })),
    addresses: new Map(),
  };
  const charCounts = new Int32Array(128);
  for (let from = lo; from <= hi; from += plan.chunkRows) {
    const row = aggregate.get({ ...plan.params, lo: from, hi: Math.min(hi, from + plan.chunkRows - 1) });
    let k = 0;
    const n = row[k++];
    const minTs = row[k++];
    const maxTs = row[k++];
    const addresses = row[k++];
    if (n === 0) continue;
    partial.rows += n;
    if (minTs !== null) partial.firstTs = partial.firstTs === null ? minTs : Math.min(partial.firstTs, minTs);
    if (maxTs !== null) partial.lastTs = partial.lastTs === null ? maxTs : Math.max(partial.lastTs, maxTs);
    partial.addressNonMissing += addresses ?? 0;
    for (let c = 0; c < plan.predictionClasses; c++) partial.predictions[c] += row[k++] ?? 0;
    for (const target of partial.text) {
      const values = JSON.parse(row[k++]);
      const counts = target.counts;
      for (const v of values) {
        if (v === null || v === '') target.missing++;
        else {
          // A number in a text column (SQLite type affinity) is still a category, by its text.
          const key = typeof v === 'string' ? v : String(v);
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }
    }
    for (const target of partial.numeric) {
      const binned = row[k++];
      charCounts.fill(0);
      for (let i = 0; i < binned.length; i++) charCounts[binned.charCodeAt(i)]++;
      target.missing += charCounts[MISSING_CHAR];
      for (let b = 0; b < target.counts.length; b++) target.counts[b] += charCounts[BIN_CHAR_BASE + b];
    }
  }
  if (plan.addressSql !== null) {
    // The first sampled id at or after lo: ids first, first + every, first + 2 * every, ...
    const { first, every } = plan.params;
    const start = lo <= first ? first : first + Math.ceil((lo - first) / every) * every;
    const values =
      start > hi
        ? []
        : db
            .prepare(plan.addressSql)
            .pluck()
            .all({ ...plan.params, start, hi });
    for (const v of values) {
      const key = typeof v === 'string' ? v : String(v);
      partial.addresses.set(key, (partial.addresses.get(key) ?? 0) + 1);
    }
  }
  return partial;
}

/**
 * Adds partial `b` into partial `a` (same plan) and returns `a`.
 * @param {import('./window-aggregate.mjs').WindowPartial} a
 * @param {import('./window-aggregate.mjs').WindowPartial} b
 */
export function mergeWindowPartials(a, b) {
  a.rows += b.rows;
  if (b.firstTs !== null) a.firstTs = a.firstTs === null ? b.firstTs : Math.min(a.firstTs, b.firstTs);
  if (b.lastTs !== null) a.lastTs = a.lastTs === null ? b.lastTs : Math.max(a.lastTs, b.lastTs);
  a.addressNonMissing += b.addressNonMissing;
  b.predictions.forEach((n, i) => (a.predictions[i] += n));
  b.text.forEach((t, i) => {
    const target = a.text[i];
    target.missing += t.missing;
    for (const [value, n] of t.counts) target.counts.set(value, (target.counts.get(value) ?? 0) + n);
  });
  b.numeric.forEach((t, i) => {
    const target = a.numeric[i];
    target.missing += t.missing;
    t.counts.forEach((n, j) => (target.counts[j] += n));
  });
  for (const [value, n] of b.addresses) a.addresses.set(value, (a.addresses.get(value) ?? 0) + n);
  return a;
}
