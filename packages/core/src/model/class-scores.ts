/**
 * What the tree ensembles (forest, boosting) share when they score rows: the
 * checks of a row and of an output buffer, and the loop over a dataset's rows.
 * Each model brings only its per-row scoring and its normalisation.
 */
import { InvalidArgumentError } from '../errors.js';
import { assertDataset, type Dataset } from '../features/dataset.js';

/** Writes the scores of the row at `rowOffset` of `data` into `out` from `outOffset` (nClasses values). */
export type RowScorer = (
  data: Float64Array | readonly number[],
  rowOffset: number,
  out: Float64Array,
  outOffset: number,
) => void;

/**
 * The output buffer of one row's probabilities: `out` when given (after
 * checking the row and the buffer's sizes), else a fresh array.
 */
export function rowOutput(
  row: Float64Array | readonly number[],
  nFeatures: number,
  nClasses: number,
  out?: Float64Array,
): Float64Array {
  if (row.length !== nFeatures) {
    throw new InvalidArgumentError(`row has ${row.length} values, expected nFeatures = ${nFeatures}`);
  }
  const result = out ?? new Float64Array(nClasses);
  if (result.length < nClasses) {
    throw new InvalidArgumentError(
      `out has ${result.length} slots, expected at least nClasses = ${nClasses}`,
    );
  }
  return result;
}

/**
 * Scores every row of `X` (checked to have `nFeatures` columns) into one
 * row-major array of nRows * nClasses values; `finishRow` then normalises a
 * row in place (a mean, a softmax).
 */
export function scoreRows(
  X: Dataset,
  nFeatures: number,
  nClasses: number,
  scoreRow: RowScorer,
  finishRow: (out: Float64Array, offset: number) => void,
): Float64Array {
  assertDataset(X, 'X');
  if (X.nFeatures !== nFeatures) {
    throw new InvalidArgumentError(`X has ${X.nFeatures} features, expected ${nFeatures}`);
  }
  const out = new Float64Array(X.nRows * nClasses);
  for (let r = 0; r < X.nRows; r++) {
    scoreRow(X.data, r * nFeatures, out, r * nClasses);
    finishRow(out, r * nClasses);
  }
  return out;
}
