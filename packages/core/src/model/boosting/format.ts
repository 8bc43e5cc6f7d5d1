/**
 * The boosting's JSON form: a header plus typed arrays encoded like the
 * forest's (typed-codec.ts), and the checks that make loading a corrupt or
 * foreign model fail with a BundleFormatError naming the bad field instead of
 * a model that loops or reads out of bounds.
 */
import { BundleFormatError } from '../../errors.js';
import { decodeStoredArray, encodeTypedArray } from '../typed-codec.js';
import { BOOSTING_PARAM_NAMES, type BoostingParams, resolveParams } from './params.js';
import type { BoostingState } from './predictor.js';

export const BOOSTING_KIND = 'gradient-boosting';
export const BOOSTING_FORMAT_VERSION = 1;

/**
 * `GradientBoosting.toJSON()`: a header plus typed arrays as base64 of
 * raw-deflated little-endian bytes (the forest's encoding). There are
 * `params.iterations * nClasses` trees, round-major: tree t belongs to round
 * floor(t / nClasses) and adds to the raw score of class t % nClasses.
 */
export interface SerializedBoosting {
  kind: typeof BOOSTING_KIND;
  formatVersion: number;
  nClasses: number;
  nFeatures: number;
  featureNames?: string[];
  params: BoostingParams;
  encoding: 'deflate-raw-base64';
  arrays: {
    /** Float64, nClasses: the raw scores before any tree (log class priors). */
    baseline: string;
    /** Int32, nTrees + 1: tree t's nodes are [nodeOffsets[t], nodeOffsets[t + 1]). */
    nodeOffsets: string;
    /** Int32 per node: split feature, -1 for a leaf. */
    feature: string;
    /** Float64 per node: x <= threshold goes left (0 for a leaf; +Infinity splits present from missing). */
    threshold: string;
    /** Uint8 per node: 1 = a missing value goes left. */
    missingLeft: string;
    /** Int32 per node: right child (global index), -1 for a leaf; the left child of node i is i + 1 (pre-order). */
    right: string;
    /** Float64 per leaf, in node order: the value the leaf adds to its class's raw score (learning rate included). */
    values: string;
  };
}

/** The JSON form of a model's arrays (`GradientBoosting.toJSON`). */
export function encodeBoosting(s: BoostingState): SerializedBoosting {
  const json: SerializedBoosting = {
    kind: BOOSTING_KIND,
    formatVersion: BOOSTING_FORMAT_VERSION,
    nClasses: s.nClasses,
    nFeatures: s.nFeatures,
    params: { ...s.params },
    encoding: 'deflate-raw-base64',
    arrays: {
      baseline: encodeTypedArray(s.baseline),
      nodeOffsets: encodeTypedArray(s.nodeOffsets),
      feature: encodeTypedArray(s.feature),
      threshold: encodeTypedArray(s.threshold),
      missingLeft: encodeTypedArray(s.missingLeft),
      right: encodeTypedArray(s.right),
      values: encodeTypedArray(s.values),
    },
  };
  if (s.featureNames) json.featureNames = [...s.featureNames];
  return json;
}

/**
 * A model's arrays from `encodeBoosting` output (parsed JSON). Throws
 * BundleFormatError, naming the field, for another kind or format version,
 * bad header fields or params, and arrays that are corrupt, of the wrong
 * length or not a valid tree.
 */
export function decodeBoosting(json: unknown): BoostingState {
  const fail = (message: string): BundleFormatError => new BundleFormatError(`boosting JSON: ${message}`);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new BundleFormatError(`boosting JSON must be an object, got ${typeName(json)}`);
  }
  const j = json as Partial<Record<keyof SerializedBoosting, unknown>>;
  if (j.kind !== BOOSTING_KIND) {
    throw new BundleFormatError(
      `not a gradient-boosting model: got kind ${JSON.stringify(j.kind)}, expected "${BOOSTING_KIND}"`,
    );
  }
  if (j.formatVersion !== BOOSTING_FORMAT_VERSION) {
    throw new BundleFormatError(
      `unsupported gradient-boosting format: got v${String(j.formatVersion)}, expected v${BOOSTING_FORMAT_VERSION}`,
    );
  }
  if (j.encoding !== 'deflate-raw-base64') {
    throw fail(`got encoding ${JSON.stringify(j.encoding)}, expected "deflate-raw-base64"`);
  }
  const nClasses = j.nClasses;
  if (typeof nClasses !== 'number' || !Number.isInteger(nClasses) || nClasses < 2 || nClasses > 256) {
    throw fail(`nClasses must be an integer in [2, 256], got ${String(nClasses)}`);
  }
  const nFeatures = j.nFeatures;
  if (typeof nFeatures !== 'number' || !Number.isInteger(nFeatures) || nFeatures < 1) {
    throw fail(`nFeatures must be a positive integer, got ${String(nFeatures)}`);
  }
  const names = j.featureNames;
  if (
    names !== undefined &&
    (!Array.isArray(names) || names.length !== nFeatures || names.some((name) => typeof name !== 'string'))
  ) {
    throw fail(`featureNames must be an array of nFeatures = ${nFeatures} strings`);
  }
  if (j.params === null || typeof j.params !== 'object' || Array.isArray(j.params)) {
    throw fail(`params must be an object, got ${typeName(j.params)}`);
  }
  const stored = j.params as Record<string, unknown>;
  for (const name of BOOSTING_PARAM_NAMES) {
    if (!(name in stored) || stored[name] === undefined) throw fail(`params.${name} is missing`);
  }
  const params = resolveParams(stored as Partial<BoostingParams>, fail, 'params.');
  if (j.arrays === null || typeof j.arrays !== 'object' || Array.isArray(j.arrays)) {
    throw fail(`arrays must be an object, got ${typeName(j.arrays)}`);
  }
  const arrays = j.arrays as Record<string, unknown>;
  const nTrees = params.iterations * nClasses;
  const baseline = decodeStoredArray('boosting', arrays, 'baseline', Float64Array, nClasses);
  const nodeOffsets = decodeStoredArray('boosting', arrays, 'nodeOffsets', Int32Array, nTrees + 1);
  if (nodeOffsets[0] !== 0) throw fail('arrays.nodeOffsets must start at 0');
  for (let t = 0; t < nTrees; t++) {
    if (!(nodeOffsets[t + 1]! > nodeOffsets[t]!)) throw fail(`arrays.nodeOffsets: tree ${t} is empty`);
  }
  const nNodes = nodeOffsets[nTrees]!;
  const feature = decodeStoredArray('boosting', arrays, 'feature', Int32Array, nNodes);
  let nLeaves = 0;
  for (let i = 0; i < nNodes; i++) if (feature[i] === -1) nLeaves++;
  const state: BoostingState = {
    nClasses,
    nFeatures,
    featureNames: names === undefined ? undefined : [...(names as string[])],
    params,
    baseline,
    nodeOffsets,
    feature,
    threshold: decodeStoredArray('boosting', arrays, 'threshold', Float64Array, nNodes),
    missingLeft: decodeStoredArray('boosting', arrays, 'missingLeft', Uint8Array, nNodes),
    right: decodeStoredArray('boosting', arrays, 'right', Int32Array, nNodes),
    values: decodeStoredArray('boosting', arrays, 'values', Float64Array, nLeaves),
  };
  for (let k = 0; k < nClasses; k++) {
    if (!Number.isFinite(baseline[k]!)) throw fail(`arrays.baseline[${k}] is not finite`);
  }
  for (let i = 0; i < nLeaves; i++) {
    if (!Number.isFinite(state.values[i]!)) throw fail(`arrays.values[${i}] is not finite`);
  }
  checkStructure(state, nTrees, fail);
  return state;
}

/**
 * Checks that every tree is exactly a pre-order binary tree (left child i + 1,
 * `right` the node after the left subtree, nothing left over) with valid
 * features, thresholds and flags, so prediction can neither loop nor read out
 * of bounds.
 */
function checkStructure(s: BoostingState, nTrees: number, fail: (message: string) => Error): void {
  const pending: number[] = [];
  for (let t = 0; t < nTrees; t++) {
    const n0 = s.nodeOffsets[t]!;
    const n1 = s.nodeOffsets[t + 1]!;
    pending.length = 0;
    let previousIsSplit = false;
    for (let i = n0; i < n1; i++) {
      if (i > n0 && !previousIsSplit) {
        // After a leaf comes the right child of the latest split still missing one.
        const parent = pending.pop();
        if (parent === undefined) throw fail(`arrays: tree ${t} has nodes after its last leaf (node ${i})`);
        if (s.right[parent] !== i) {
          throw fail(
            `arrays.right[${parent}] = ${s.right[parent]}, expected ${i} (tree ${t} is not in pre-order)`,
          );
        }
      }
      const f = s.feature[i]!;
      const m = s.missingLeft[i]!;
      if (m > 1) throw fail(`arrays.missingLeft[${i}] = ${m}, expected 0 or 1`);
      if (f >= 0) {
        if (f >= s.nFeatures)
          throw fail(`arrays.feature[${i}] = ${f}, expected < nFeatures = ${s.nFeatures}`);
        if (Number.isNaN(s.threshold[i]!)) throw fail(`arrays.threshold[${i}] is NaN`);
        pending.push(i);
        previousIsSplit = true;
      } else {
        if (f !== -1) throw fail(`arrays.feature[${i}] = ${f}, expected a feature index or -1`);
        if (s.right[i] !== -1) throw fail(`arrays.right[${i}] = ${s.right[i]}, expected -1 for a leaf`);
        previousIsSplit = false;
      }
    }
    if (previousIsSplit || pending.length > 0) throw fail(`arrays: tree ${t} ends before all its children`);
  }
}

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}
