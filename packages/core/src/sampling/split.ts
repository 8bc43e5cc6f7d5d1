/**
 * Stratified hold-out split and stratified k-fold assignment: every class keeps
 * (up to rounding) its share in every part, so a 20 % hold-out of a 40/40/20
 * label mix is itself 40/40/20. Seeded, so the same labels and seed always
 * give the same parts.
 */
import { InvalidArgumentError } from '../errors.js';
import { Random } from './random.js';

/** Row indices of one split, each list ascending. */
export interface SplitIndices {
  train: Uint32Array;
  test: Uint32Array;
}

/**
 * Splits rows into train and test, class by class: of a class with n rows,
 * round(n * testFraction) go to test.
 * @param labels class index (any integer) per row
 * @param testFraction share of each class held out, strictly between 0 and 1 (the CLI uses 0.2)
 * @param seed seed of the shuffle
 */
export function stratifiedSplit(labels: ArrayLike<number>, testFraction: number, seed: number): SplitIndices {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new InvalidArgumentError(`testFraction must be between 0 and 1 (exclusive), got ${testFraction}`);
  }
  const random = new Random(seed);
  const isTest = new Uint8Array(labels.length);
  for (const members of groupByClass(labels)) {
    random.shuffle(members);
    const nTest = Math.round(members.length * testFraction);
    for (let i = 0; i < nTest; i++) isTest[members[i]!] = 1;
  }
  return partition(isTest, 1);
}

/**
 * Stratified k-fold cross-validation: each row is in the test part of exactly
 * one fold, and each class is spread evenly over the folds (a class's count
 * differs by at most one between folds, and so do the fold sizes).
 * @param labels class index per row
 * @param k number of folds, 2 .. number of rows
 * @param seed seed of the shuffle
 * @returns k splits; split f's test rows are fold f
 */
export function stratifiedKFold(labels: ArrayLike<number>, k: number, seed: number): SplitIndices[] {
  if (!Number.isInteger(k) || k < 2 || k > labels.length) {
    throw new InvalidArgumentError(
      `k must be an integer from 2 to the number of rows (${labels.length}), got ${k}`,
    );
  }
  const random = new Random(seed);
  const fold = new Uint8Array(labels.length);
  // Deal each shuffled class round-robin, continuing where the previous class
  // stopped, so the remainders of the classes land in different folds.
  let next = 0;
  for (const members of groupByClass(labels)) {
    random.shuffle(members);
    for (const row of members) {
      fold[row] = next;
      next = (next + 1) % k;
    }
  }
  return Array.from({ length: k }, (_, f) => partition(fold, f));
}

/** Row indices of each class, classes in ascending order of their index. */
function groupByClass(labels: ArrayLike<number>): number[][] {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    let members = byClass.get(label);
    if (!members) byClass.set(label, (members = []));
    members.push(i);
  }
  return [...byClass.entries()].sort((a, b) => a[0] - b[0]).map((entry) => entry[1]);
}

/** Rows whose tag equals `testTag` become test, the others train. */
function partition(tags: Uint8Array, testTag: number): SplitIndices {
  let nTest = 0;
  for (const tag of tags) if (tag === testTag) nTest++;
  const train = new Uint32Array(tags.length - nTest);
  const test = new Uint32Array(nTest);
  let a = 0;
  let b = 0;
  for (let i = 0; i < tags.length; i++) {
    if (tags[i] === testTag) test[b++] = i;
    else train[a++] = i;
  }
  return { train, test };
}
