/**
 * Checkpoints of a forest being trained: the trees finished so far, written
 * atomically (temporary file, flush, rename, so a crash mid-write leaves the
 * previous checkpoint intact) and tagged with a fingerprint of everything that
 * decides the trees (training data, labels, classes, growth parameters, seed).
 *
 * Each tree depends only on that fingerprint and its own index, so a training
 * restarted with the same inputs can take the checkpoint's trees (stored with
 * their indices: on several threads they finish out of order) and grow only
 * the missing ones: the result is the forest an uninterrupted run would have
 * made. A checkpoint whose fingerprint differs, or that cannot be read, is
 * ignored with a warning and overwritten later: it is a cache of work, never
 * worth failing a training for.
 *
 * Each tree is stored as its own one-tree forest JSON, encoded once when the
 * tree finishes (`checkpointEntry`); a checkpoint joins the entries' texts,
 * so writing one costs no re-encoding of earlier trees.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dataset } from '../../features/dataset.js';
import type { SerializedForest } from './format.js';

/** File name of the checkpoint inside the checkpoint directory. */
export const FOREST_CHECKPOINT_FILE = 'forest.checkpoint.json';
export const FOREST_CHECKPOINT_KIND = 'random-forest-checkpoint';
export const FOREST_CHECKPOINT_FORMAT_VERSION = 1;

/** One finished tree: its index in the full forest and the tree as a one-tree forest. */
export interface CheckpointTree {
  index: number;
  forest: SerializedForest;
}

/** What a checkpoint file holds. */
export interface ForestCheckpoint {
  kind: typeof FOREST_CHECKPOINT_KIND;
  formatVersion: number;
  /** sha256 (hex) of data, labels and growth parameters; see `forestFingerprint`. */
  fingerprint: string;
  /** The finished trees, ascending by index. */
  trees: CheckpointTree[];
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

/** JSON text of one checkpoint entry, made once per tree and reused by every later checkpoint. */
export function checkpointEntry(index: number, forest: SerializedForest): string {
  const entry: CheckpointTree = { index, forest };
  return JSON.stringify(entry);
}

/**
 * Writes a checkpoint atomically to `dir/forest.checkpoint.json`, creating
 * `dir` if needed: the bytes go to a temporary file in the same directory,
 * are flushed to disk, and the file is renamed over the old checkpoint.
 * @param entries `checkpointEntry` texts, ascending by tree index
 */
export async function writeForestCheckpoint(
  dir: string,
  fingerprint: string,
  entries: string[],
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const target = join(dir, FOREST_CHECKPOINT_FILE);
  const temporary = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const header = JSON.stringify({
    kind: FOREST_CHECKPOINT_KIND,
    formatVersion: FOREST_CHECKPOINT_FORMAT_VERSION,
    fingerprint,
  });
  const text = `${header.slice(0, -1)},"trees":[${entries.join(',')}]}`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(text);
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
 * Reads the checkpoint in `dir` and returns its trees when its fingerprint is
 * `fingerprint`. Returns undefined when there is no checkpoint, and also (with
 * a warning naming the file and the reason) when it is unreadable or belongs to
 * other data or parameters.
 */
export async function readForestCheckpoint(
  dir: string,
  fingerprint: string,
  logger?: CheckpointLogger,
): Promise<CheckpointTree[] | undefined> {
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
  const trees = parsed.trees;
  const indices = new Set<number>();
  const valid =
    Array.isArray(trees) &&
    trees.every((entry) => {
      const ok =
        entry !== null &&
        typeof entry === 'object' &&
        Number.isInteger(entry.index) &&
        entry.index >= 0 &&
        !indices.has(entry.index) &&
        entry.forest !== null &&
        typeof entry.forest === 'object';
      if (ok) indices.add(entry.index);
      return ok;
    });
  if (!valid) {
    logger?.warn(`ignoring forest checkpoint ${file}: its tree list is malformed`);
    return undefined;
  }
  return trees;
}
