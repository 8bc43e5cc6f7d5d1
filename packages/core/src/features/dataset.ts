/**
 * The numeric matrix every model in core consumes: one Float64Array, row-major,
 * NaN for a missing value. One flat typed array (rather than number[][]) keeps
 * rows contiguous in memory, makes a copy or a transfer to a worker one call,
 * and lets a row be read without allocating.
 */
import { InvalidArgumentError } from '../errors.js';

/** A row-major matrix of features. */
export interface Dataset {
  /** `nRows * nFeatures` values, row `r` at `[r * nFeatures, (r + 1) * nFeatures)`; NaN = missing. */
  data: Float64Array;
  nRows: number;
  nFeatures: number;
  /** Optional column names, `nFeatures` long (used in importances and error messages). */
  featureNames?: string[];
}

/**
 * Builds a Dataset from an array of rows (convenient for tests and small
 * inputs); every row must have the same length. `null`/`undefined` cells
 * become NaN (missing).
 */
export function datasetFromRows(
  rows: readonly (readonly (number | null | undefined)[])[],
  featureNames?: string[],
): Dataset {
  const nRows = rows.length;
  const nFeatures = featureNames?.length ?? rows[0]?.length ?? 0;
  const data = new Float64Array(nRows * nFeatures);
  rows.forEach((row, r) => {
    if (row.length !== nFeatures) {
      throw new InvalidArgumentError(`row ${r} has ${row.length} values, expected ${nFeatures}`);
    }
    for (let f = 0; f < nFeatures; f++) data[r * nFeatures + f] = row[f] ?? Number.NaN;
  });
  const dataset: Dataset = { data, nRows, nFeatures };
  if (featureNames) dataset.featureNames = featureNames;
  return dataset;
}

/**
 * Checks the Dataset's shape invariants and throws InvalidArgumentError naming
 * the broken one. `name` is how the dataset is called in the message (e.g. "X").
 */
export function assertDataset(dataset: Dataset, name = 'dataset'): void {
  if (dataset === null || typeof dataset !== 'object' || !(dataset.data instanceof Float64Array)) {
    throw new InvalidArgumentError(`${name}.data must be a Float64Array`);
  }
  const { nRows, nFeatures, data, featureNames } = dataset;
  if (!Number.isInteger(nRows) || nRows < 0) {
    throw new InvalidArgumentError(`${name}.nRows must be a non-negative integer, got ${String(nRows)}`);
  }
  if (!Number.isInteger(nFeatures) || nFeatures < 0) {
    throw new InvalidArgumentError(
      `${name}.nFeatures must be a non-negative integer, got ${String(nFeatures)}`,
    );
  }
  if (data.length !== nRows * nFeatures) {
    throw new InvalidArgumentError(
      `${name}.data has ${data.length} values, expected nRows * nFeatures = ${nRows} * ${nFeatures} = ${nRows * nFeatures}`,
    );
  }
  if (featureNames !== undefined && featureNames.length !== nFeatures) {
    throw new InvalidArgumentError(
      `${name}.featureNames has ${featureNames.length} names, expected nFeatures = ${nFeatures}`,
    );
  }
}

/**
 * Checks `y` holds one class index in [0, nClasses) per row and returns it as
 * bytes; InvalidArgumentError naming the first bad label otherwise.
 */
export function checkClassLabels(
  y: Uint8Array | ArrayLike<number>,
  nRows: number,
  nClasses: number,
): Uint8Array {
  if (y === null || typeof y !== 'object' || typeof y.length !== 'number') {
    throw new InvalidArgumentError('y must be an array of class indices');
  }
  if (y.length !== nRows) {
    throw new InvalidArgumentError(`y has ${y.length} labels but X has ${nRows} rows`);
  }
  const labels = new Uint8Array(nRows);
  for (let i = 0; i < nRows; i++) {
    const label = y[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= nClasses) {
      throw new InvalidArgumentError(
        `y[${i}] = ${String(label)} is not a class index: expected an integer in [0, ${nClasses - 1}] (nClasses = ${nClasses})`,
      );
    }
    labels[i] = label;
  }
  return labels;
}
