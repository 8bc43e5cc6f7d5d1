/** Seeded randomness and the ways listings are split into training and evaluation sets. */
export { listingHashPosition, listingsFingerprint } from './listing-hash.js';
export { Random, deriveSeed, WeightedSampler } from './random.js';
export { type SplitIndices, stratifiedSplit, stratifiedKFold } from './split.js';
export { stableHoldout } from './stable-split.js';
