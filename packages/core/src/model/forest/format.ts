/**
 * The random forest's stored form: the kind and format version, the growth
 * parameters, and every tree's nodes concatenated into flat typed arrays
 * (pre-order, child and leaf offsets global). `serializeForest` writes the
 * JSON header plus those arrays as base64 of raw-deflated little-endian bytes;
 * `deserializeForest` reads them back and checks every index, so a corrupt
 * file is refused with a BundleFormatError rather than predicted from.
 */
import { BundleFormatError } from '../../errors.js';
import type { ClassWeightMode, GrownTree } from './tree.js';
import { decodeStoredArray, encodeTypedArray } from '../typed-codec.js';

export const FOREST_KIND = 'random-forest';
export const FOREST_FORMAT_VERSION = 1;

/** The growth parameters a forest was trained with, as stored in its JSON. */
export interface ForestParams {
  nTrees: number;
  /** null = unbounded. */
  maxDepth: number | null;
  minSamplesLeaf: number;
  minSamplesSplit: number;
  /** As given (or defaulted). */
  maxFeatures: 'sqrt' | 'log2' | number;
  /** Resolved number of features drawn per split. */
  featuresPerSplit: number;
  classWeight: ClassWeightMode;
  bootstrap: boolean;
  /** Share of extremely randomized trees (absent in forests saved before it existed: 0). */
  extraTrees?: number;
  maxBins: number;
  seed: number;
}

/** `RandomForest.toJSON()`: a header plus typed arrays as base64 of raw-deflated little-endian bytes. */
export interface SerializedForest {
  kind: typeof FOREST_KIND;
  formatVersion: number;
  nTrees: number;
  nClasses: number;
  nFeatures: number;
  featureNames?: string[];
  params: ForestParams;
  encoding: 'deflate-raw-base64';
  arrays: {
    /** Int32, nTrees + 1: tree t's nodes are [nodeOffsets[t], nodeOffsets[t + 1]). */
    nodeOffsets: string;
    /** Int32, nTrees + 1: tree t's leaf values are [valueOffsets[t], valueOffsets[t + 1]). */
    valueOffsets: string;
    /** Int32 per node: split feature, -1 for a leaf. */
    feature: string;
    /** Float64 per node (0 for a leaf). */
    threshold: string;
    /**
     * Int32 per node: right child (global index) of a split, -1 for a leaf. The
     * left child of node i is i + 1 and leaf k of a tree has the k-th class
     * distribution of its values (pre-order), so neither is stored.
     */
    right: string;
    /** Uint8 per node: 1 = a missing value goes left. */
    missingLeft: string;
    values: string;
    /** Float64, nTrees * nFeatures. */
    treeImportances: string;
  };
}

/** What a forest records besides its trees. */
export interface ForestMeta {
  nClasses: number;
  nFeatures: number;
  featureNames: string[] | undefined;
  params: ForestParams;
}

/**
 * In-memory state of a forest: all trees' nodes concatenated, child and leaf
 * offsets global. Node i of a split has its left child at `left[i]` (always
 * i + 1) and its right child at `right[i]`; a leaf has feature -1 and `left[i]`
 * = offset of its class distribution in `values`, `right[i]` = -1.
 */
export interface ForestState {
  nClasses: number;
  nFeatures: number;
  featureNames: string[] | undefined;
  params: ForestParams;
  nodeOffsets: Int32Array;
  valueOffsets: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  missingLeft: Uint8Array;
  values: Float64Array;
  treeImportances: Float64Array;
}

/** The JSON form of a forest state; `deserializeForest` restores an identical state. */
export function serializeForest(s: ForestState): SerializedForest {
  const json: SerializedForest = {
    kind: FOREST_KIND,
    formatVersion: FOREST_FORMAT_VERSION,
    nTrees: s.nodeOffsets.length - 1,
    nClasses: s.nClasses,
    nFeatures: s.nFeatures,
    params: { ...s.params },
    encoding: 'deflate-raw-base64',
    arrays: {
      nodeOffsets: encodeTypedArray(s.nodeOffsets),
      valueOffsets: encodeTypedArray(s.valueOffsets),
      feature: encodeTypedArray(s.feature),
      threshold: encodeTypedArray(s.threshold),
      right: encodeTypedArray(s.right),
      missingLeft: encodeTypedArray(s.missingLeft),
      values: encodeTypedArray(s.values),
      treeImportances: encodeTypedArray(s.treeImportances),
    },
  };
  if (s.featureNames) json.featureNames = [...s.featureNames];
  return json;
}

/** The state of the given trees (each with local node and leaf offsets) as one forest. */
export function concatenateTrees(trees: readonly GrownTree[], meta: ForestMeta): ForestState {
  const nTrees = trees.length;
  const nodeOffsets = new Int32Array(nTrees + 1);
  const valueOffsets = new Int32Array(nTrees + 1);
  trees.forEach((tree, t) => {
    nodeOffsets[t + 1] = nodeOffsets[t]! + tree.feature.length;
    valueOffsets[t + 1] = valueOffsets[t]! + tree.values.length;
  });
  const nNodes = nodeOffsets[nTrees]!;
  const state: ForestState = {
    nClasses: meta.nClasses,
    nFeatures: meta.nFeatures,
    featureNames: meta.featureNames,
    params: { ...meta.params, nTrees },
    nodeOffsets,
    valueOffsets,
    feature: new Int32Array(nNodes),
    threshold: new Float64Array(nNodes),
    left: new Int32Array(nNodes),
    right: new Int32Array(nNodes),
    missingLeft: new Uint8Array(nNodes),
    values: new Float64Array(valueOffsets[nTrees]!),
    treeImportances: new Float64Array(nTrees * meta.nFeatures),
  };
  trees.forEach((tree, t) => {
    const n0 = nodeOffsets[t]!;
    const v0 = valueOffsets[t]!;
    state.feature.set(tree.feature, n0);
    state.threshold.set(tree.threshold, n0);
    state.missingLeft.set(tree.missingLeft, n0);
    state.values.set(tree.values, v0);
    state.treeImportances.set(tree.importances, t * meta.nFeatures);
    for (let i = 0; i < tree.feature.length; i++) {
      if (tree.feature[i]! >= 0) {
        state.left[n0 + i] = tree.left[i]! + n0;
        state.right[n0 + i] = tree.right[i]! + n0;
      } else {
        state.left[n0 + i] = tree.left[i]! + v0;
        state.right[n0 + i] = -1;
      }
    }
  });
  return state;
}

/** Tree t of a state as it was grown (local node and leaf offsets): the inverse of `concatenateTrees`. */
export function treeOfState(s: ForestState, t: number): GrownTree {
  const n0 = s.nodeOffsets[t]!;
  const n1 = s.nodeOffsets[t + 1]!;
  const v0 = s.valueOffsets[t]!;
  const v1 = s.valueOffsets[t + 1]!;
  const feature = s.feature.slice(n0, n1);
  const left = s.left.slice(n0, n1);
  const right = s.right.slice(n0, n1);
  for (let i = 0; i < feature.length; i++) {
    if (feature[i]! >= 0) {
      left[i]! -= n0;
      right[i]! -= n0;
    } else {
      left[i]! -= v0;
    }
  }
  return {
    feature,
    threshold: s.threshold.slice(n0, n1),
    left,
    right,
    missingLeft: s.missingLeft.slice(n0, n1),
    values: s.values.slice(v0, v1),
    importances: s.treeImportances.slice(t * s.nFeatures, (t + 1) * s.nFeatures),
  };
}

/**
 * Restores a forest state from `serializeForest` output (parsed JSON). Throws
 * BundleFormatError for another kind or format version ("got vX, expected
 * vY") and for arrays that are corrupt or inconsistent.
 */
export function deserializeForest(json: unknown): ForestState {
  if (json === null || typeof json !== 'object') {
    throw new BundleFormatError(`forest JSON must be an object, got ${json === null ? 'null' : typeof json}`);
  }
  const j = json as Partial<SerializedForest>;
  if (j.kind !== FOREST_KIND) {
    throw new BundleFormatError(
      `not a random forest: got kind ${JSON.stringify(j.kind)}, expected "${FOREST_KIND}"`,
    );
  }
  if (j.formatVersion !== FOREST_FORMAT_VERSION) {
    throw new BundleFormatError(
      `unsupported random forest format: got v${String(j.formatVersion)}, expected v${FOREST_FORMAT_VERSION}`,
    );
  }
  if (j.encoding !== 'deflate-raw-base64') {
    throw new BundleFormatError(
      `forest JSON: got encoding ${JSON.stringify(j.encoding)}, expected "deflate-raw-base64"`,
    );
  }
  const { nTrees, nClasses, nFeatures } = j;
  for (const [name, value] of [
    ['nTrees', nTrees],
    ['nClasses', nClasses],
    ['nFeatures', nFeatures],
  ] as const) {
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw new BundleFormatError(`forest JSON: ${name} must be a positive integer, got ${String(value)}`);
    }
  }
  if (
    j.params === null ||
    typeof j.params !== 'object' ||
    j.arrays === null ||
    typeof j.arrays !== 'object'
  ) {
    throw new BundleFormatError('forest JSON: params and arrays must be objects');
  }
  const T = nTrees!;
  const C = nClasses!;
  const F = nFeatures!;
  if (j.featureNames !== undefined && (!Array.isArray(j.featureNames) || j.featureNames.length !== F)) {
    throw new BundleFormatError(`forest JSON: featureNames must list nFeatures = ${F} names`);
  }
  const arrays = j.arrays as unknown as Record<string, unknown>;
  const nodeOffsets = decodeStoredArray('forest', arrays, 'nodeOffsets', Int32Array, T + 1);
  const valueOffsets = decodeStoredArray('forest', arrays, 'valueOffsets', Int32Array, T + 1);
  const nNodes = nodeOffsets[T]!;
  const state: ForestState = {
    nClasses: C,
    nFeatures: F,
    featureNames: j.featureNames,
    params: j.params,
    nodeOffsets,
    valueOffsets,
    feature: decodeStoredArray('forest', arrays, 'feature', Int32Array, nNodes),
    threshold: decodeStoredArray('forest', arrays, 'threshold', Float64Array, nNodes),
    left: new Int32Array(nNodes),
    right: decodeStoredArray('forest', arrays, 'right', Int32Array, nNodes),
    missingLeft: decodeStoredArray('forest', arrays, 'missingLeft', Uint8Array, nNodes),
    values: decodeStoredArray('forest', arrays, 'values', Float64Array, valueOffsets[T]!),
    treeImportances: decodeStoredArray('forest', arrays, 'treeImportances', Float64Array, T * F),
  };
  checkStructure(state, T);
  return state;
}

/**
 * Rebuilds `left` (pre-order: left child i + 1, leaf k at its tree's k-th value
 * slot) and checks that every child lies after its parent inside its tree and
 * that the leaves match the values, so prediction cannot loop or read out of bounds.
 */
function checkStructure(s: ForestState, nTrees: number): void {
  const fail = (what: string): never => {
    throw new BundleFormatError(`forest JSON: corrupt tree structure (${what})`);
  };
  if (s.nodeOffsets[0] !== 0 || s.valueOffsets[0] !== 0) fail('offsets must start at 0');
  for (let t = 0; t < nTrees; t++) {
    const n0 = s.nodeOffsets[t]!;
    const n1 = s.nodeOffsets[t + 1]!;
    const v0 = s.valueOffsets[t]!;
    const v1 = s.valueOffsets[t + 1]!;
    if (!(n1 > n0) || !(v1 > v0)) fail(`tree ${t} is empty`);
    let offset = v0;
    for (let i = n0; i < n1; i++) {
      const f = s.feature[i]!;
      if (f >= 0) {
        if (f >= s.nFeatures) fail(`node ${i} splits on feature ${f}`);
        const r = s.right[i]!;
        if (!(i + 1 < n1 && r > i + 1 && r < n1)) fail(`node ${i} has children outside its tree`);
        s.left[i] = i + 1;
      } else {
        if (f !== -1) fail(`node ${i} has feature ${f}`);
        s.left[i] = offset;
        offset += s.nClasses;
      }
    }
    if (offset !== v1)
      fail(`tree ${t} has ${(offset - v0) / s.nClasses} leaves but ${(v1 - v0) / s.nClasses} distributions`);
  }
}
