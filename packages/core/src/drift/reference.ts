/**
 * The reference snapshot: what the training split looked like, summarised per
 * column, so drift checks can compare served traffic against it without the
 * training rows. Written at preprocessing next to the split and stored with the
 * model version as a run artifact; read by every drift check.
 *
 * What it keeps (summaries only, never rows):
 * - categorical columns: category counts. Every category of the known
 *   low-cardinality columns (FULL_VOCABULARY_COLUMNS) and of any column with at
 *   most MAX_COMPLETE_CATEGORIES distinct values; otherwise the TOP_K_CATEGORIES
 *   most frequent plus one `other` count (`complete: false`);
 * - numeric columns: 10 quantile bins (interior decile edges taken as
 *   observed values, see quantileBinEdges; equal deciles of a discrete column
 *   are merged, so it may have fewer bins) and the training rows' count in each bin;
 * - per column: rows, missing values, distinct non-missing values;
 * - the label distribution;
 * - for `address`, the cardinality profile that normalises its distinct count
 *   by sample size (see expectedDistinctInSample);
 * - optionally, the model's performance profile on its held-out rows
 *   (`performance`: held-out scores, calibration, calibration error), which the
 *   monitor's performance checks compare a window with. Optional, so snapshots
 *   written before it still load.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { PRICE_CATEGORIES, type PriceCategory } from '../constants.js';
import { BundleFormatError, InvalidArgumentError, InvalidDataError } from '../errors.js';
import {
  NUMERIC_FIELDS,
  TEXT_FIELDS,
  type ListingRecord,
  type NumericField,
  type TextField,
} from '../listing/listing.js';
import { modelPerformanceProfileSchema, type ModelPerformanceProfile } from '../performance/profile.js';

/** `kind` of a serialized reference snapshot; the loader refuses any other. */
export const REFERENCE_SNAPSHOT_KIND = 'mlops.reference-snapshot';
/** Current format version; the loader refuses any other. */
export const REFERENCE_SNAPSHOT_FORMAT_VERSION = 1;
/** Quantile bins per numeric column (deciles). */
export const NUMERIC_BIN_COUNT = 10;
/** Categorical columns whose whole vocabulary is kept: the portal's small, known vocabularies. */
export const FULL_VOCABULARY_COLUMNS: readonly TextField[] = [
  'district',
  'HeatingType',
  'StructureType',
  'FloorLocation',
  'Subscription',
];
/** Any other categorical column is also kept whole when it has at most this many distinct values. */
export const MAX_COMPLETE_CATEGORIES = 200;
/** Categories kept for a column above MAX_COMPLETE_CATEGORIES (the rest are one `other` count). */
export const TOP_K_CATEGORIES = 50;
/** Sample sizes at which the cardinality curve is tabulated (plus the column's own size). */
export const CARDINALITY_CURVE_SIZES = [
  10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000,
  1_000_000,
] as const;

const count = z.number().int().min(0);

const categoricalSummarySchema = z.object({
  type: z.literal('categorical'),
  /** Training rows, missing ones included. */
  rows: count,
  /** Rows whose value is missing (null). */
  missing: count,
  /** Distinct non-missing values. */
  distinct: count,
  /** Category counts, most frequent first (ties by value). All categories when `complete`. */
  categories: z.array(z.object({ value: z.string(), count })),
  /** Non-missing rows whose category is not listed (0 when `complete`). */
  otherCount: count,
  /** True when `categories` lists every category seen in training. */
  complete: z.boolean(),
});

const numericSummarySchema = z.object({
  type: z.literal('numeric'),
  rows: count,
  missing: count,
  distinct: count,
  /**
   * Interior bin edges, strictly increasing. Bins are right-closed: bin 0 holds
   * v <= edges[0], bin i holds edges[i-1] < v <= edges[i], the last bin v > edges[last].
   */
  edges: z.array(z.number()),
  /** Training rows per bin; length edges.length + 1. */
  counts: z.array(count),
  /** Smallest, largest and mean non-missing value; null when the column has none. */
  min: z.number().nullable(),
  max: z.number().nullable(),
  mean: z.number().nullable(),
});

const cardinalityProfileSchema = z.object({
  /** Non-missing values in the training column (N). */
  nonMissing: count,
  /** Distinct non-missing values. */
  distinct: count,
  /**
   * Frequency of frequencies: `[c, f]` means f distinct values occur exactly c
   * times. Enough to compute the expected distinct count of any sample size
   * exactly, without keeping the values.
   */
  frequencyOfCounts: z.array(z.tuple([z.number().int().positive(), z.number().int().positive()])),
  /** Expected distinct values in a simple random sample of n rows, at CARDINALITY_CURVE_SIZES <= N and N. */
  curve: z.array(z.object({ n: count, expectedDistinct: z.number().min(0) })),
});

const columnsShape = Object.fromEntries([
  ...NUMERIC_FIELDS.map((f) => [f, numericSummarySchema]),
  ...TEXT_FIELDS.map((f) => [f, categoricalSummarySchema]),
]) as { [K in NumericField]: typeof numericSummarySchema } & {
  [K in TextField]: typeof categoricalSummarySchema;
};

/** The serialized form's schema; parseReferenceSnapshot checks a file against it. */
export const referenceSnapshotSchema = z.object({
  kind: z.literal(REFERENCE_SNAPSHOT_KIND),
  formatVersion: z.literal(REFERENCE_SNAPSHOT_FORMAT_VERSION),
  /** ISO time the snapshot was built. */
  createdAt: z.string(),
  /** Training rows summarised. */
  rows: count,
  columns: z.object(columnsShape),
  /** Training label counts in PRICE_CATEGORIES order. */
  labels: z.object({ categories: z.array(z.string()), counts: z.array(count) }),
  cardinality: z.object({ address: cardinalityProfileSchema }),
  /** The model's held-out performance profile; absent in snapshots from before it (and when not computed). */
  performance: modelPerformanceProfileSchema.optional(),
});

export type CategoricalSummary = z.infer<typeof categoricalSummarySchema>;
export type NumericSummary = z.infer<typeof numericSummarySchema>;
export type CardinalityProfile = z.infer<typeof cardinalityProfileSchema>;
export type ReferenceSnapshot = z.infer<typeof referenceSnapshotSchema>;

/** Options of buildReferenceSnapshot. */
export interface ReferenceSnapshotOptions {
  /** Time stamped into `createdAt`; default now. */
  createdAt?: Date;
  /** The model's held-out performance profile, stored as `performance`. */
  performance?: ModelPerformanceProfile;
}

/**
 * Builds the reference snapshot of a training split.
 * @param records the training rows (parsed listings, null = missing)
 * @param labels their price categories, as names or as indices into PRICE_CATEGORIES
 */
export function buildReferenceSnapshot(
  records: readonly ListingRecord[],
  labels: ArrayLike<PriceCategory | number>,
  options: ReferenceSnapshotOptions = {},
): ReferenceSnapshot {
  if (records.length !== labels.length) {
    throw new InvalidArgumentError(
      `buildReferenceSnapshot: got ${records.length} records but ${labels.length} labels; they must pair up`,
    );
  }
  const columns = {} as ReferenceSnapshot['columns'];
  for (const field of NUMERIC_FIELDS) {
    columns[field] = summarizeNumeric(records.map((r) => r[field]));
  }
  for (const field of TEXT_FIELDS) {
    columns[field] = summarizeCategorical(
      records.map((r) => r[field]),
      FULL_VOCABULARY_COLUMNS.includes(field),
    );
  }
  return {
    kind: REFERENCE_SNAPSHOT_KIND,
    formatVersion: REFERENCE_SNAPSHOT_FORMAT_VERSION,
    createdAt: (options.createdAt ?? new Date()).toISOString(),
    rows: records.length,
    columns,
    labels: { categories: [...PRICE_CATEGORIES], counts: countLabels(labels) },
    cardinality: { address: cardinalityProfile(records.map((r) => r.address)) },
    ...(options.performance ? { performance: options.performance } : {}),
  };
}

function countLabels(labels: ArrayLike<PriceCategory | number>): number[] {
  const counts = PRICE_CATEGORIES.map(() => 0);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    const index =
      typeof label === 'number' ? label : (PRICE_CATEGORIES as readonly string[]).indexOf(label as string);
    if (!Number.isInteger(index) || index < 0 || index >= counts.length) {
      throw new InvalidDataError(
        `buildReferenceSnapshot: label ${i} is ${JSON.stringify(label)}; expected one of ${PRICE_CATEGORIES.join(', ')} or its index`,
      );
    }
    counts[index]! += 1;
  }
  return counts;
}

/** Counts of each non-missing value, and the missing count. */
function tally(values: readonly (string | null)[]): { counts: Map<string, number>; missing: number } {
  const counts = new Map<string, number>();
  let missing = 0;
  for (const v of values) {
    if (v === null || v === undefined) missing++;
    else counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return { counts, missing };
}

/** Category entries sorted most frequent first, ties by value (so the order is deterministic). */
export function sortCategoryCounts(counts: Iterable<[string, number]>): { value: string; count: number }[] {
  return [...counts]
    .map(([value, n]) => ({ value, count: n }))
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

function summarizeCategorical(values: readonly (string | null)[], keepAll: boolean): CategoricalSummary {
  const { counts, missing } = tally(values);
  const sorted = sortCategoryCounts(counts);
  const complete = keepAll || sorted.length <= MAX_COMPLETE_CATEGORIES;
  const kept = complete ? sorted : sorted.slice(0, TOP_K_CATEGORIES);
  const otherCount = complete ? 0 : sorted.slice(TOP_K_CATEGORIES).reduce((s, c) => s + c.count, 0);
  return {
    type: 'categorical',
    rows: values.length,
    missing,
    distinct: counts.size,
    categories: kept,
    otherCount,
    complete,
  };
}

/**
 * Interior edges of `bins` quantile bins of the values: the empirical quantiles
 * at j/bins, j = 1 .. bins-1, as the inverse of the empirical distribution
 * function (Hyndman & Fan 1996, type 1: the ceil(n*j/bins)-th smallest value),
 * with equal edges merged. Edges are observed values, so a discrete column
 * (rooms, age buckets) gets one bin per value range and no empty bins between
 * ties; it may get fewer than `bins` bins. Empty input gives no edges (one bin).
 */
export function quantileBinEdges(values: ArrayLike<number>, bins = NUMERIC_BIN_COUNT): number[] {
  if (values.length === 0) return [];
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const edges: number[] = [];
  for (let j = 1; j < bins; j++) {
    // n * j / bins divides integers, so an exact quotient is exact in floating point.
    const q = sorted[Math.max(0, Math.ceil((n * j) / bins) - 1)]!;
    if (edges.length === 0 || q > edges[edges.length - 1]!) edges.push(q);
  }
  return edges;
}

/** Index of the right-closed bin holding v: the first i with v <= edges[i], else edges.length. */
export function binIndex(edges: readonly number[], v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function summarizeNumeric(values: readonly (number | null)[]): NumericSummary {
  // Non-finite numbers cannot be binned or averaged; they count as missing, like nulls.
  const present = values.filter((v): v is number => v !== null && v !== undefined && Number.isFinite(v));
  const edges = quantileBinEdges(present);
  const counts = new Array<number>(edges.length + 1).fill(0);
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of present) {
    counts[binIndex(edges, v)]! += 1;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return {
    type: 'numeric',
    rows: values.length,
    missing: values.length - present.length,
    distinct: new Set(present).size,
    edges,
    counts,
    min: present.length ? min : null,
    max: present.length ? max : null,
    mean: present.length ? sum / present.length : null,
  };
}

/** Frequency of frequencies of a value tally: `[c, f]` = f values occur c times, sorted by c. */
export function frequencyOfCounts(counts: Iterable<number>): [number, number][] {
  const byCount = new Map<number, number>();
  for (const c of counts) byCount.set(c, (byCount.get(c) ?? 0) + 1);
  return [...byCount.entries()].sort((a, b) => a[0] - b[0]);
}

/**
 * Expected number of distinct values in a simple random sample of n rows drawn
 * without replacement from a column of `total` non-missing rows whose value
 * multiplicities are given as frequency of frequencies.
 *
 * A value occurring c times is absent from the sample with probability
 * C(total - c, n) / C(total, n) = prod_{i=0}^{c-1} (total - n - i) / (total - i)
 * (hypergeometric), so E[distinct] = sum over values of (1 - that probability)
 * = sum_c f_c * (1 - prod ...). Exact for every n; n >= total gives the column's
 * distinct count.
 */
export function expectedDistinctInSample(
  frequency: readonly (readonly [number, number])[],
  total: number,
  n: number,
): number {
  if (n <= 0) return 0;
  let distinct = 0;
  for (const [, f] of frequency) distinct += f;
  if (n >= total) return distinct;
  let expected = 0;
  for (const [c, f] of frequency) {
    let absent = 1;
    for (let i = 0; i < c; i++) {
      const remaining = total - n - i;
      if (remaining <= 0) {
        absent = 0;
        break;
      }
      absent *= remaining / (total - i);
      if (absent < 1e-300) {
        absent = 0;
        break;
      }
    }
    expected += f * (1 - absent);
  }
  return expected;
}

/** Sample sizes of a cardinality curve for a column of `total` values: the standard sizes below total, then total. */
export function cardinalityCurveSizes(total: number): number[] {
  const sizes: number[] = CARDINALITY_CURVE_SIZES.filter((n) => n < total);
  if (total > 0) sizes.push(total);
  return sizes;
}

/**
 * The cardinality profile of a column: its multiplicities (as frequency of
 * frequencies) and the tabulated curve n -> expected distinct values in a
 * same-size random sample. Drift checks use expectedDistinctInSample on the
 * multiplicities, which is exact at every n; the curve is for plots and people.
 */
export function cardinalityProfile(values: readonly (string | null)[]): CardinalityProfile {
  const { counts, missing } = tally(values);
  const frequency = frequencyOfCounts(counts.values());
  const nonMissing = values.length - missing;
  return {
    nonMissing,
    distinct: counts.size,
    frequencyOfCounts: frequency,
    curve: cardinalityCurveSizes(nonMissing).map((n) => ({
      n,
      expectedDistinct: expectedDistinctInSample(frequency, nonMissing, n),
    })),
  };
}

/** The snapshot as JSON text (two-space indented, stable key order). */
export function serializeReferenceSnapshot(snapshot: ReferenceSnapshot): string {
  return `${JSON.stringify(snapshot, null, 2)}\n`;
}

/**
 * Parses and checks a serialized snapshot.
 * @param source names the file in error messages
 * @throws BundleFormatError on a wrong kind or format version (got/expected), or a malformed body
 */
export function parseReferenceSnapshot(text: string, source = 'reference snapshot'): ReferenceSnapshot {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new BundleFormatError(`${source}: not JSON (${(error as Error).message})`, { cause: error });
  }
  const header = body as { kind?: unknown; formatVersion?: unknown } | null;
  if (header?.kind !== REFERENCE_SNAPSHOT_KIND) {
    throw new BundleFormatError(
      `${source}: kind is ${JSON.stringify(header?.kind)}, expected "${REFERENCE_SNAPSHOT_KIND}"`,
    );
  }
  if (header.formatVersion !== REFERENCE_SNAPSHOT_FORMAT_VERSION) {
    throw new BundleFormatError(
      `${source}: format version is v${String(header.formatVersion)}, expected v${REFERENCE_SNAPSHOT_FORMAT_VERSION}`,
    );
  }
  const parsed = referenceSnapshotSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BundleFormatError(
      `${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}` +
        (parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problems)` : ''),
    );
  }
  for (const field of NUMERIC_FIELDS) {
    const column = parsed.data.columns[field];
    if (column.counts.length !== column.edges.length + 1) {
      throw new BundleFormatError(
        `${source}: columns.${field}: ${column.counts.length} bin counts for ${column.edges.length} edges, expected ${column.edges.length + 1}`,
      );
    }
  }
  return parsed.data;
}

/** Writes the snapshot to `path` (creating its folder). */
export function writeReferenceSnapshot(path: string, snapshot: ReferenceSnapshot): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, serializeReferenceSnapshot(snapshot));
}

/**
 * Reads and checks the snapshot at `path`.
 * @throws InvalidDataError when the file is missing or unreadable; BundleFormatError when malformed
 */
export function readReferenceSnapshot(path: string): ReferenceSnapshot {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InvalidDataError(
      code === 'ENOENT'
        ? `reference snapshot ${path} does not exist; train a model first (preprocessing writes it)`
        : `cannot read reference snapshot ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return parseReferenceSnapshot(text, path);
}
