/**
 * Checkpoints of a forest being trained: the trees grown so far, written
 * atomically (temporary file + rename, so a crash mid-write leaves the previous
 * checkpoint intact) and tagged with a fingerprint of everything that decides
 * the trees (training data, labels, classes, growth parameters, seed).
 *
 * Each tree depends only on that fingerprint and its own index, so a training
 * restarted with the same inputs can take the checkpoint's trees (stored with
 * their indices: on several threads they finish out of order) and grow only
 * the missing ones: the result is the forest an uninterrupted run would have
 * made. A checkpoint whose fingerprint differs, or that cannot be
 * read, is ignored with a warning and overwritten later: it is a cache of
 * work, never worth failing a training for.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dataset } from './dataset.js';
import type { SerializedForest } from './forest.js';

/** File name of the checkpoint inside the checkpoint directory. */
export const FOREST_CHECKPOINT_FILE = 'forest.checkpoint.json';
export const FOREST_CHECKPOINT_KIND = 'random-forest-checkpoint';
export const FOREST_CHECKPOINT_FORMAT_VERSION = 1;

/** What a checkpoint file holds. */
export interface ForestCheckpoint {
  kind: typeof FOREST_CHECKPOINT_KIND;
  formatVersion: number;
  /** sha256 (hex) of data, labels and growth parameters; see `forestFingerprint`. */
  fingerprint: string;
  /** Index in the full forest of each tree of `forest` (trees finish out of order on several threads). */
  treeIndices: number[];
  /** The finished trees. */
  forest: SerializedForest;
}

/** Where warnings about unusable checkpoints go (a pino logger fits). */
export interface CheckpointLogger {
  warn(message: string): void;
}

/**
 * Fingerprint of everything that decides the trees: the feature values (bit
 * for bit), the labels, the class count and the growth parameters (which
 * include the seed). Thread count, checkpoint cadence and the number of trees
 * are left out on purpose: they do not change any single tree.
 */
export function forestFingerprint(X: Dataset, y: Uint8Array, nClasses: number, params: object): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ nRows: X.nRows, nFeatures: X.nFeatures, nClasses, params }));
  hash.update(new Uint8Array(X.data.buffer, X.data.byteOffset, X.data.byteLength));
  hash.update(y);
  return hash.digest('hex');
}

/**
 * Writes a checkpoint atomically to `dir/forest.checkpoint.json`, creating
 * `dir` if needed: the bytes go to a temporary file in the same directory,
 * are flushed to disk, and the file is renamed over the old checkpoint.
 */
export async function writeForestCheckpoint(
  dir: string,
  fingerprint: string,
  treeIndices: number[],
  forest: SerializedForest,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const target = join(dir, FOREST_CHECKPOINT_FILE);
  const temporary = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const checkpoint: ForestCheckpoint = {
    kind: FOREST_CHECKPOINT_KIND,
    formatVersion: FOREST_CHECKPOINT_FORMAT_VERSION,
    fingerprint,
    treeIndices,
    forest,
  };
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(JSON.stringify(checkpoint));
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temporary, target);
}

/**
 * Reads the checkpoint in `dir` and returns its trees and their indices when
 * its fingerprint is `fingerprint`. Returns undefined when there is no checkpoint, and also (with
 * a warning naming the file and the reason) when it is unreadable or belongs to
 * other data or parameters.
 */
export async function readForestCheckpoint(
  dir: string,
  fingerprint: string,
  logger?: CheckpointLogger,
): Promise<Pick<ForestCheckpoint, 'treeIndices' | 'forest'> | undefined> {
  const file = join(dir, FOREST_CHECKPOINT_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    logger?.warn(`ignoring forest checkpoint ${file}: cannot read it (${(error as Error).message})`);
    return undefined;
  }
  let parsed: Partial<ForestCheckpoint>;
  try {
    parsed = JSON.parse(text) as Partial<ForestCheckpoint>;
  } catch {
    logger?.warn(`ignoring forest checkpoint ${file}: not valid JSON`);
    return undefined;
  }
  if (parsed?.kind !== FOREST_CHECKPOINT_KIND || parsed.formatVersion !== FOREST_CHECKPOINT_FORMAT_VERSION) {
    logger?.warn(
      `ignoring forest checkpoint ${file}: got kind ${String(parsed?.kind)} v${String(parsed?.formatVersion)}, ` +
        `expected ${FOREST_CHECKPOINT_KIND} v${FOREST_CHECKPOINT_FORMAT_VERSION}`,
    );
    return undefined;
  }
  if (parsed.fingerprint !== fingerprint) {
    logger?.warn(
      `ignoring forest checkpoint ${file}: it was made from other training data or parameters ` +
        `(fingerprint ${String(parsed.fingerprint).slice(0, 12)}, expected ${fingerprint.slice(0, 12)})`,
    );
    return undefined;
  }
  const { treeIndices, forest } = parsed;
  if (
    !Array.isArray(treeIndices) ||
    forest === null ||
    typeof forest !== 'object' ||
    treeIndices.length !== forest.nTrees ||
    new Set(treeIndices).size !== treeIndices.length ||
    !treeIndices.every((index) => Number.isInteger(index) && index >= 0)
  ) {
    logger?.warn(`ignoring forest checkpoint ${file}: its tree indices do not match its trees`);
    return undefined;
  }
  return { treeIndices, forest };
}
