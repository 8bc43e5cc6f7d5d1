/**
 * Drift statistics between the reference snapshot (training split) and a
 * production window, and the alert rule over them. Plain statistics, standard
 * definitions; alerts come from thresholds, never from rescaling a statistic.
 *
 * Statistics
 * - PSI, population stability index (Siddiqi, "Credit Risk Scorecards", Wiley
 *   2006, ch. 8; Yurdakul, "Statistical Properties of Population Stability
 *   Index", PhD thesis, Western Michigan University 2018):
 *     PSI = sum_i (a_i - e_i) * ln(a_i / e_i)
 *   with e_i the reference share and a_i the production share of bucket i,
 *   natural log. Rule of thumb from Siddiqi: < 0.1 stable, 0.1-0.25 some shift,
 *   > 0.25 significant shift (hence the default alert threshold 0.25).
 *   Shares are smoothed so an empty bucket does not give ln(0):
 *     s_i = (c_i / N + PSI_EPSILON) / (1 + k * PSI_EPSILON)
 *   (k buckets; the smoothed shares still sum to 1, and equal distributions
 *   still give exactly 0). With PSI_EPSILON = 1e-4 a bucket absent from the
 *   reference that holds 5 % of production traffic alone contributes about
 *   0.05 * ln(0.05 / 1e-4) = 0.31.
 *   Buckets: categorical columns use the reference's categories plus one
 *   `unseen` bucket (production values the reference never saw) when the
 *   reference kept its whole vocabulary, or plus its `other` bucket when it kept
 *   only the top K; numeric columns use the reference's decile bins. Missing
 *   values are left out of PSI and measured by the missing-rate change instead.
 * - Address cardinality ratio: distinct addresses in a production sample of m
 *   rows / expected distinct addresses in a simple random sample of m rows of
 *   the reference (exact, from the reference's multiplicities, see
 *   expectedDistinctInSample). m is the number of non-missing production
 *   addresses read; when it exceeds the reference's size N, both sides are
 *   compared at N (the production side as its own expected distinct count in a
 *   size-N subsample), so a same-size comparison is always possible.
 * - Prediction drift: Jensen-Shannon divergence, base-2 logarithm (so it lies in
 *   [0, 1]), between the production prediction distribution and the reference
 *   label distribution: JSD(P, Q) = KL(P || M) / 2 + KL(Q || M) / 2, M = (P + Q) / 2
 *   (Lin, "Divergence measures based on the Shannon entropy", IEEE Trans.
 *   Inf. Theory 37(1), 1991). M is positive wherever P or Q is, so no smoothing
 *   is needed; 0 * log 0 = 0.
 * - Unseen share: share of non-missing production values of a categorical
 *   column that the reference never saw (columns whose whole vocabulary the
 *   reference kept).
 * - Missing-rate change: production missing rate minus reference missing rate
 *   (signed, as a fraction).
 *
 * Alert rule
 * - Alerting checks: prediction JSD > predictionJsd, address cardinality ratio
 *   > cardinalityRatio, PSI > psi for each column in PSI_ALERT_COLUMNS.
 * - Informational checks (reported, never alerting): unseen shares (already
 *   inside the categorical PSI through its `unseen` bucket, so alerting on both
 *   would count one shift twice), missing-rate changes (the API requires every
 *   field, and the real training file lacks three columns entirely, so this
 *   would alert on every check against it), and PSI of AdCreationDate (calendar
 *   months move forward with time by nature).
 * - The alert count is the number of alerting checks over their threshold.
 *   A window with fewer than minSamples rows raises no alert at all (status
 *   `insufficient-data`); its statistics are still computed and reported.
 */
import { PRICE_CATEGORIES, type PriceCategory } from '../constants.js';
import type { Config } from '../config.js';
import { InvalidArgumentError } from '../errors.js';
import {
  NUMERIC_FIELDS,
  TEXT_FIELDS,
  type ListingRecord,
  type NumericField,
  type TextField,
} from '../listing/listing.js';
import {
  binIndex,
  expectedDistinctInSample,
  frequencyOfCounts,
  type ReferenceSnapshot,
} from './reference.js';

/** Smoothing added to every bucket share before the PSI's logarithm (see the module comment). */
export const PSI_EPSILON = 1e-4;

/** Categorical columns whose PSI alerts. */
export const PSI_ALERT_CATEGORICAL: readonly TextField[] = [
  'district',
  'HeatingType',
  'StructureType',
  'FloorLocation',
  'Subscription',
];
/** Categorical columns whose PSI is reported but never alerts. */
export const PSI_INFORMATIONAL_CATEGORICAL: readonly TextField[] = ['AdCreationDate'];
/** Columns whose PSI alerts: the alerting categoricals and every numeric column. */
export const PSI_ALERT_COLUMNS: readonly (TextField | NumericField)[] = [
  ...PSI_ALERT_CATEGORICAL,
  ...NUMERIC_FIELDS,
];
/** The high-cardinality column whose growth is measured. */
export const CARDINALITY_COLUMN = 'address' satisfies TextField;

/** Thresholds and sample rule of the alerts. */
export interface DriftThresholds {
  /** PSI above this alerts (per column). Default 0.25. */
  psi: number;
  /** Address cardinality ratio above this alerts. Default 1.3. */
  cardinalityRatio: number;
  /** Prediction JSD (base 2) above this alerts. Default 0.15. */
  predictionJsd: number;
  /** Windows with fewer rows raise no alert. Default 200. */
  minSamples: number;
  /** Alerts needed to recommend retraining. Default 2. */
  minAlerts: number;
}

/** The defaults of the configuration schema. */
export const DEFAULT_DRIFT_THRESHOLDS: DriftThresholds = {
  psi: 0.25,
  cardinalityRatio: 1.3,
  predictionJsd: 0.15,
  minSamples: 200,
  minAlerts: 2,
};

/** Thresholds from the loaded configuration (DRIFT_* variables). */
export function driftThresholdsFromConfig(
  config: Pick<
    Config,
    | 'DRIFT_PSI_THRESHOLD'
    | 'DRIFT_CARDINALITY_THRESHOLD'
    | 'DRIFT_PREDICTION_THRESHOLD'
    | 'DRIFT_MIN_SAMPLES'
    | 'DRIFT_MIN_ALERTS'
  >,
): DriftThresholds {
  return {
    psi: config.DRIFT_PSI_THRESHOLD,
    cardinalityRatio: config.DRIFT_CARDINALITY_THRESHOLD,
    predictionJsd: config.DRIFT_PREDICTION_THRESHOLD,
    minSamples: config.DRIFT_MIN_SAMPLES,
    minAlerts: config.DRIFT_MIN_ALERTS,
  };
}

function total(counts: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < counts.length; i++) sum += counts[i]!;
  return sum;
}

/**
 * Bucket shares with additive smoothing: (c_i / N + epsilon) / (1 + k * epsilon).
 * @throws InvalidArgumentError when the counts sum to 0 or contain a negative
 */
export function smoothedShares(counts: ArrayLike<number>, epsilon = PSI_EPSILON): Float64Array {
  const n = total(counts);
  if (!(n > 0)) throw new InvalidArgumentError(`smoothedShares: counts sum to ${n}, expected > 0`);
  const k = counts.length;
  const shares = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const c = counts[i]!;
    if (c < 0) throw new InvalidArgumentError(`smoothedShares: count ${i} is ${c}, expected >= 0`);
    shares[i] = (c / n + epsilon) / (1 + k * epsilon);
  }
  return shares;
}

/**
 * Population stability index of production against reference, from bucket
 * counts in the same bucket order (natural log, smoothed shares; see the module comment).
 * @param reference reference (expected) counts per bucket
 * @param production production (actual) counts per bucket
 * @param epsilon smoothing per bucket share; default PSI_EPSILON = 1e-4
 */
export function populationStabilityIndex(
  reference: ArrayLike<number>,
  production: ArrayLike<number>,
  epsilon = PSI_EPSILON,
): number {
  if (reference.length !== production.length) {
    throw new InvalidArgumentError(
      `populationStabilityIndex: ${reference.length} reference buckets but ${production.length} production buckets`,
    );
  }
  const e = smoothedShares(reference, epsilon);
  const a = smoothedShares(production, epsilon);
  let psi = 0;
  for (let i = 0; i < e.length; i++) psi += (a[i]! - e[i]!) * Math.log(a[i]! / e[i]!);
  return psi;
}

/**
 * Jensen-Shannon divergence between two distributions given as counts or
 * shares (each normalised to sum 1), base-2 logarithm, so the result lies in [0, 1].
 */
export function jensenShannonDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) {
    throw new InvalidArgumentError(`jensenShannonDivergence: lengths differ (${p.length} vs ${q.length})`);
  }
  const np = total(p);
  const nq = total(q);
  if (!(np > 0) || !(nq > 0)) {
    throw new InvalidArgumentError(`jensenShannonDivergence: a distribution sums to 0 (${np}, ${nq})`);
  }
  let jsd = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]! / np;
    const qi = q[i]! / nq;
    const mi = (pi + qi) / 2;
    if (pi > 0) jsd += 0.5 * pi * Math.log2(pi / mi);
    if (qi > 0) jsd += 0.5 * qi * Math.log2(qi / mi);
  }
  // Rounding can leave a tiny negative for identical inputs, and a hair above 1 for disjoint ones.
  return Math.min(1, Math.max(0, jsd));
}

/** Production counts of one categorical column: every value seen, and the missing count. */
export interface CategoricalWindowCounts {
  counts: ReadonlyMap<string, number>;
  missing: number;
}

/** Production counts of one numeric column in the reference's bins (same edges, right-closed). */
export interface NumericWindowCounts {
  counts: readonly number[];
  missing: number;
}

/** Addresses read from the production window for the cardinality ratio. */
export interface AddressWindowSample {
  /** Non-missing addresses in the whole window. */
  windowNonMissing: number;
  /** The sample is every `sampleEvery`-th row of the window (1 = the whole window). */
  sampleEvery: number;
  /** Multiplicities of the sampled non-missing addresses, as frequency of frequencies `[c, f]`. */
  frequencyOfCounts: readonly (readonly [number, number])[];
}

/** What the monitor measured over the production window, in the reference's terms. */
export interface ProductionWindowSummary {
  /** Rows in the window. */
  rows: number;
  /** Served time of the first and last row, epoch ms; null when the window is empty. */
  firstTs: number | null;
  lastTs: number | null;
  categorical: { [K in TextField]?: CategoricalWindowCounts };
  numeric: { [K in NumericField]?: NumericWindowCounts };
  /** Null when the window was not sampled for addresses. */
  address: AddressWindowSample | null;
  /** Served predictions per class in PRICE_CATEGORIES order. */
  predictions: readonly number[];
}

/**
 * Summarises production rows held in memory the way the monitor's SQL reader
 * summarises the production log (every row, every address): for tests,
 * scenarios and in-process checks.
 * @param predictions the served class of each row (name or PRICE_CATEGORIES index)
 */
export function summarizeProductionListings(
  reference: ReferenceSnapshot,
  listings: readonly ListingRecord[],
  predictions: ArrayLike<PriceCategory | number>,
): ProductionWindowSummary {
  if (listings.length !== predictions.length) {
    throw new InvalidArgumentError(
      `summarizeProductionListings: ${listings.length} listings but ${predictions.length} predictions`,
    );
  }
  const categorical: ProductionWindowSummary['categorical'] = {};
  for (const field of TEXT_FIELDS) {
    const counts = new Map<string, number>();
    let missing = 0;
    for (const row of listings) {
      const v = row[field];
      // An empty string is a missing value, as the monitor reads the production log.
      if (v === null || v === undefined || v === '') missing++;
      else counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    categorical[field] = { counts, missing };
  }
  const numeric: ProductionWindowSummary['numeric'] = {};
  for (const field of NUMERIC_FIELDS) {
    const edges = reference.columns[field].edges;
    const counts = new Array<number>(edges.length + 1).fill(0);
    let missing = 0;
    for (const row of listings) {
      const v = row[field];
      // SQLite stores NaN as NULL, and bins infinities like any number: the same here.
      if (v === null || v === undefined || Number.isNaN(v)) missing++;
      else counts[binIndex(edges, v)]! += 1;
    }
    numeric[field] = { counts, missing };
  }
  const addressCounts = categorical[CARDINALITY_COLUMN]!.counts;
  let windowNonMissing = 0;
  for (const n of addressCounts.values()) windowNonMissing += n;
  const predicted = PRICE_CATEGORIES.map(() => 0);
  for (let i = 0; i < predictions.length; i++) {
    const p = predictions[i]!;
    const index = typeof p === 'number' ? p : (PRICE_CATEGORIES as readonly string[]).indexOf(p);
    if (index < 0 || index >= predicted.length || !Number.isInteger(index)) {
      throw new InvalidArgumentError(`summarizeProductionListings: prediction ${i} is ${JSON.stringify(p)}`);
    }
    predicted[index]! += 1;
  }
  return {
    rows: listings.length,
    firstTs: null,
    lastTs: null,
    categorical,
    numeric,
    address: {
      windowNonMissing,
      sampleEvery: 1,
      frequencyOfCounts: frequencyOfCounts(addressCounts.values()),
    },
    predictions: predicted,
  };
}

export type DriftMetric =
  'psi' | 'cardinality_ratio' | 'prediction_jsd' | 'unseen_share' | 'missing_rate_change';

/**
 * ok / alert: an alerting check under / over its threshold; info: an
 * informational check; n/a: not computable (note says why);
 * insufficient-data: an alerting check in a window under minSamples.
 */
export type DriftCheckStatus = 'ok' | 'alert' | 'info' | 'n/a' | 'insufficient-data';

/** One row of the drift summary table. */
export interface DriftCheck {
  /** Stable name, also the registry metric key: `psi.district`, `cardinality.address`, `prediction.jsd`, ... */
  name: string;
  metric: DriftMetric;
  column: string | null;
  /** The statistic; null when not computable. */
  value: number | null;
  /** Alert threshold; null for informational checks. */
  threshold: number | null;
  alerting: boolean;
  status: DriftCheckStatus;
  /** Why the value is missing, or how it was measured. */
  note?: string;
}

/** The outcome of one drift evaluation. */
export interface DriftEvaluation {
  /** insufficient-data under minSamples rows; drift when at least one alert; else ok. */
  status: 'ok' | 'drift' | 'insufficient-data';
  windowRows: number;
  thresholds: DriftThresholds;
  /** Every check: alerting ones first (prediction, cardinality, PSI), then informational. */
  checks: DriftCheck[];
  /** The alerting checks over threshold (empty under minSamples). */
  alerts: DriftCheck[];
  alertCount: number;
  /** alertCount >= thresholds.minAlerts. */
  retrainRecommended: boolean;
}

/**
 * Buckets of a categorical column for PSI: reference counts per listed category
 * plus the remainder bucket (`unseen` for a complete reference, `other` for a
 * top-K one), and the production counts in the same buckets.
 */
export function categoricalBuckets(
  reference: ReferenceSnapshot['columns'][TextField],
  production: CategoricalWindowCounts,
): { labels: string[]; reference: number[]; production: number[]; unseen: number; nonMissing: number } {
  const labels = reference.categories.map((c) => c.value);
  const ref = reference.categories.map((c) => c.count);
  const prod = new Array<number>(labels.length).fill(0);
  const index = new Map(labels.map((v, i) => [v, i]));
  let remainder = 0;
  let nonMissing = 0;
  for (const [value, n] of production.counts) {
    nonMissing += n;
    const i = index.get(value);
    if (i === undefined) remainder += n;
    else prod[i]! += n;
  }
  labels.push(reference.complete ? 'unseen' : 'other');
  ref.push(reference.otherCount);
  prod.push(remainder);
  return {
    labels,
    reference: ref,
    production: prod,
    unseen: reference.complete ? remainder : NaN,
    nonMissing,
  };
}

/**
 * Address cardinality ratio (see the module comment): distinct production
 * addresses in the sample over the reference's expected distinct addresses in
 * a same-size random sample. Null with a reason when either side has no addresses.
 */
export function addressCardinalityRatio(
  reference: ReferenceSnapshot['cardinality']['address'],
  sample: AddressWindowSample,
): {
  value: number | null;
  comparedAt: number;
  productionDistinct: number;
  referenceExpected: number;
  note: string;
} {
  let sampled = 0;
  for (const [c, f] of sample.frequencyOfCounts) sampled += c * f;
  const comparedAt = Math.min(sampled, reference.nonMissing);
  if (reference.nonMissing === 0 || sampled === 0) {
    return {
      value: null,
      comparedAt,
      productionDistinct: 0,
      referenceExpected: 0,
      note:
        reference.nonMissing === 0
          ? 'the reference has no address values'
          : 'the production window has no address values',
    };
  }
  const productionDistinct = expectedDistinctInSample(sample.frequencyOfCounts, sampled, comparedAt);
  const referenceExpected = expectedDistinctInSample(
    reference.frequencyOfCounts,
    reference.nonMissing,
    comparedAt,
  );
  const how =
    sample.sampleEvery > 1 ? `1 row in ${sample.sampleEvery}, ${sampled} addresses` : `${sampled} addresses`;
  const at =
    comparedAt < sampled
      ? `, both compared at ${comparedAt} (the reference size)`
      : `, compared at ${comparedAt}`;
  return {
    value: productionDistinct / referenceExpected,
    comparedAt,
    productionDistinct,
    referenceExpected,
    note: `${productionDistinct.toFixed(1)} distinct in production (${how})${at} vs ${referenceExpected.toFixed(1)} expected from the reference`,
  };
}

function formatShare(x: number): string {
  return `${(100 * x).toFixed(1)} %`;
}

/**
 * Computes every drift statistic of a production window against the reference
 * and applies the alert rule (see the module comment).
 */
export function evaluateDrift(
  reference: ReferenceSnapshot,
  production: ProductionWindowSummary,
  thresholds: DriftThresholds = DEFAULT_DRIFT_THRESHOLDS,
): DriftEvaluation {
  const enough = production.rows >= thresholds.minSamples;
  const alerting: DriftCheck[] = [];
  const informational: DriftCheck[] = [];

  const judge = (check: Omit<DriftCheck, 'status'>): DriftCheck => {
    let status: DriftCheckStatus;
    if (check.value === null || Number.isNaN(check.value)) status = 'n/a';
    else if (!check.alerting) status = 'info';
    else if (!enough) status = 'insufficient-data';
    else status = check.value > check.threshold! ? 'alert' : 'ok';
    return {
      ...check,
      value: check.value === null || Number.isNaN(check.value) ? null : check.value,
      status,
    };
  };

  // Prediction distribution against the reference labels.
  {
    const predicted = total(production.predictions);
    const labelled = total(reference.labels.counts);
    const value =
      predicted > 0 && labelled > 0
        ? jensenShannonDivergence(production.predictions, reference.labels.counts)
        : null;
    alerting.push(
      judge({
        name: 'prediction.jsd',
        metric: 'prediction_jsd',
        column: 'prediction',
        value,
        threshold: thresholds.predictionJsd,
        alerting: true,
        ...(value === null
          ? { note: predicted > 0 ? 'the reference has no labels' : 'no predictions in the window' }
          : {}),
      }),
    );
  }

  // Address cardinality.
  {
    const ratio = production.address
      ? addressCardinalityRatio(reference.cardinality.address, production.address)
      : null;
    alerting.push(
      judge({
        name: `cardinality.${CARDINALITY_COLUMN}`,
        metric: 'cardinality_ratio',
        column: CARDINALITY_COLUMN,
        value: ratio?.value ?? null,
        threshold: thresholds.cardinalityRatio,
        alerting: true,
        note: ratio?.note ?? 'addresses were not read',
      }),
    );
  }

  // PSI of categorical columns, and their unseen shares.
  for (const field of [...PSI_ALERT_CATEGORICAL, ...PSI_INFORMATIONAL_CATEGORICAL]) {
    const isAlerting = PSI_ALERT_CATEGORICAL.includes(field);
    const counts = production.categorical[field];
    const ref = reference.columns[field];
    let value: number | null = null;
    let note: string | undefined;
    if (!counts) note = 'column not read';
    else {
      const buckets = categoricalBuckets(ref, counts);
      if (total(buckets.reference) === 0) note = 'the reference has no values';
      else if (buckets.nonMissing === 0) note = 'no values in the window';
      else value = populationStabilityIndex(buckets.reference, buckets.production);
    }
    (isAlerting ? alerting : informational).push(
      judge({
        name: `psi.${field}`,
        metric: 'psi',
        column: field,
        value,
        threshold: isAlerting ? thresholds.psi : null,
        alerting: isAlerting,
        ...(note ? { note } : {}),
      }),
    );
  }

  // PSI of numeric columns over the reference's decile bins.
  for (const field of NUMERIC_FIELDS) {
    const counts = production.numeric[field];
    const ref = reference.columns[field];
    let value: number | null = null;
    let note: string | undefined;
    if (!counts) note = 'column not read';
    else if (counts.counts.length !== ref.counts.length) {
      throw new InvalidArgumentError(
        `evaluateDrift: ${field} has ${counts.counts.length} production bins, the reference has ${ref.counts.length}`,
      );
    } else if (total(ref.counts) === 0) note = 'the reference has no values';
    else if (total(counts.counts) === 0) note = 'no values in the window';
    else value = populationStabilityIndex(ref.counts, counts.counts);
    alerting.push(
      judge({
        name: `psi.${field}`,
        metric: 'psi',
        column: field,
        value,
        threshold: thresholds.psi,
        alerting: true,
        ...(note ? { note } : {}),
      }),
    );
  }

  // Unseen shares (complete vocabularies only).
  for (const field of TEXT_FIELDS) {
    const ref = reference.columns[field];
    const counts = production.categorical[field];
    if (!ref.complete || !counts || field === CARDINALITY_COLUMN) continue;
    const buckets = categoricalBuckets(ref, counts);
    const value = buckets.nonMissing > 0 ? buckets.unseen / buckets.nonMissing : null;
    informational.push(
      judge({
        name: `unseen.${field}`,
        metric: 'unseen_share',
        column: field,
        value,
        threshold: null,
        alerting: false,
        note:
          value === null
            ? 'no values in the window'
            : `${buckets.unseen} of ${buckets.nonMissing} values not in the reference's ${ref.categories.length} categories`,
      }),
    );
  }

  // Missing-rate changes.
  for (const field of [...NUMERIC_FIELDS, ...TEXT_FIELDS]) {
    const ref = reference.columns[field];
    const counts =
      field in production.numeric
        ? production.numeric[field as NumericField]
        : production.categorical[field as TextField];
    if (!counts || production.rows === 0 || ref.rows === 0) continue;
    const productionRate = counts.missing / production.rows;
    const referenceRate = ref.missing / ref.rows;
    informational.push(
      judge({
        name: `missing.${field}`,
        metric: 'missing_rate_change',
        column: field,
        value: productionRate - referenceRate,
        threshold: null,
        alerting: false,
        note: `missing ${formatShare(referenceRate)} in the reference, ${formatShare(productionRate)} in production`,
      }),
    );
  }

  const checks = [...alerting, ...informational];
  const alerts = checks.filter((c) => c.status === 'alert');
  return {
    status: !enough ? 'insufficient-data' : alerts.length > 0 ? 'drift' : 'ok',
    windowRows: production.rows,
    thresholds,
    checks,
    alerts,
    alertCount: alerts.length,
    retrainRecommended: alerts.length >= thresholds.minAlerts,
  };
}

/**
 * The evaluation as registry metrics: every computed check value under its
 * name, plus `alert_count` and `window_rows`.
 */
export function driftMetrics(evaluation: DriftEvaluation): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const check of evaluation.checks) if (check.value !== null) metrics[check.name] = check.value;
  metrics.alert_count = evaluation.alertCount;
  metrics.window_rows = evaluation.windowRows;
  return metrics;
}

/** One past check, as the history plot needs it. */
export interface DriftHistoryPoint {
  /** ISO time of the check. */
  checkedAt: string;
  status: DriftEvaluation['status'];
  alertCount: number;
  /** Check values by name (null when not computable). */
  values: Record<string, number | null>;
}

/** The history point of an evaluation made at `checkedAt`. */
export function driftHistoryPoint(evaluation: DriftEvaluation, checkedAt: Date | string): DriftHistoryPoint {
  const values: Record<string, number | null> = {};
  for (const check of evaluation.checks) if (check.alerting) values[check.name] = check.value;
  return {
    checkedAt: typeof checkedAt === 'string' ? checkedAt : checkedAt.toISOString(),
    status: evaluation.status,
    alertCount: evaluation.alertCount,
    values,
  };
}
