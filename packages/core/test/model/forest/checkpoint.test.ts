import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FOREST_CHECKPOINT_FILE,
  type ForestCheckpoint,
  checkpointEntry,
  forestFingerprint,
  readForestCheckpoint,
  writeForestCheckpoint,
} from '../../../src/model/forest/checkpoint.js';
import { type ForestOptions, trainForest } from '../../../src/model/forest/training.js';
import { threeClassSet } from './forest-fixtures.js';

const folders: string[] = [];
async function tempFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'forest-checkpoint-'));
  folders.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(folders.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

function warnings() {
  const lines: string[] = [];
  return { lines, logger: { warn: (message: string) => lines.push(message) } };
}

async function readCheckpointFile(dir: string): Promise<ForestCheckpoint> {
  return JSON.parse(await readFile(join(dir, FOREST_CHECKPOINT_FILE), 'utf8')) as ForestCheckpoint;
}

/** Trains until `stopAfter` trees are done, then aborts; returns once the training has rejected. */
async function interruptedTraining(
  X: ReturnType<typeof threeClassSet>['X'],
  y: Uint8Array,
  options: ForestOptions,
  stopAfter: number,
): Promise<void> {
  const controller = new AbortController();
  await expect(
    trainForest(X, y, 3, {
      ...options,
      signal: controller.signal,
      onProgress: (done) => {
        if (done >= stopAfter) controller.abort(new Error('simulated crash'));
      },
    }),
  ).rejects.toThrow('simulated crash');
}

describe('forest checkpoints', () => {
  const { X, y } = threeClassSet(700, 21, { noise: 0.1, missing: 0.03 });
  const options: ForestOptions = { nTrees: 25, seed: 5, checkpointEvery: 10, threads: 1 };

  it('writes the trees done every checkpointEvery trees, atomically', async () => {
    const dir = await tempFolder();
    const checkpointed: number[] = [];
    await trainForest(X, y, 3, {
      ...options,
      checkpointDir: dir,
      onProgress: (_done, _total, progress) => checkpointed.push(progress.checkpointed),
    });
    // Checkpoints after 10, 20 and the last tree; no temporary file is left behind.
    expect([...new Set(checkpointed)]).toEqual([0, 10, 20, 25]);
    expect(await readdir(dir)).toEqual([FOREST_CHECKPOINT_FILE]);
    const file = await readCheckpointFile(dir);
    expect(file.kind).toBe('random-forest-checkpoint');
    expect(file.trees.map((entry) => entry.index)).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('resumes after an interruption and ends with the same forest as an uninterrupted run', async () => {
    const uninterrupted = JSON.stringify((await trainForest(X, y, 3, options)).toJSON());
    const dir = await tempFolder();
    await interruptedTraining(X, y, { ...options, checkpointDir: dir }, 13);
    // The abort wrote the 13 finished trees.
    expect((await readCheckpointFile(dir)).trees.length).toBe(13);

    const resumedFrom: number[] = [];
    const resumed = await trainForest(X, y, 3, {
      ...options,
      checkpointDir: dir,
      onProgress: (_done, _total, progress) => resumedFrom.push(progress.resumedFrom),
    });
    expect(resumedFrom[0]).toBe(13);
    expect(JSON.stringify(resumed.toJSON())).toBe(uninterrupted);
  });

  it('resumes on worker threads to the same bytes too', async () => {
    const uninterrupted = JSON.stringify((await trainForest(X, y, 3, options)).toJSON());
    const dir = await tempFolder();
    await interruptedTraining(X, y, { ...options, threads: 2, checkpointDir: dir }, 11);
    // Every finished tree was saved, whichever thread grew it and in whatever order.
    const saved = await readCheckpointFile(dir);
    expect(saved.trees.length).toBeGreaterThanOrEqual(11);
    const resumed = await trainForest(X, y, 3, { ...options, threads: 2, checkpointDir: dir });
    expect(JSON.stringify(resumed.toJSON())).toBe(uninterrupted);
  });

  it('continues a finished smaller forest when more trees are asked for', async () => {
    const dir = await tempFolder();
    await trainForest(X, y, 3, { ...options, nTrees: 10, checkpointDir: dir });
    const progress: number[] = [];
    const bigger = await trainForest(X, y, 3, {
      ...options,
      checkpointDir: dir,
      onProgress: (_d, _t, p) => progress.push(p.resumedFrom),
    });
    expect(progress[0]).toBe(10);
    expect(JSON.stringify(bigger.toJSON())).toBe(
      JSON.stringify((await trainForest(X, y, 3, options)).toJSON()),
    );
  });

  it('ignores, with a warning, a checkpoint made with another seed, and trains from scratch', async () => {
    const dir = await tempFolder();
    await trainForest(X, y, 3, { ...options, nTrees: 10, seed: 99, checkpointDir: dir });
    const { lines, logger } = warnings();
    const resumedFrom: number[] = [];
    const forest = await trainForest(X, y, 3, {
      ...options,
      checkpointDir: dir,
      logger,
      onProgress: (_d, _t, p) => resumedFrom.push(p.resumedFrom),
    });
    expect(resumedFrom[0]).toBe(0);
    expect(lines.join('\n')).toMatch(/other training data or parameters/);
    expect(JSON.stringify(forest.toJSON())).toBe(
      JSON.stringify((await trainForest(X, y, 3, options)).toJSON()),
    );
    // The stale checkpoint was replaced by this training's own.
    expect((await readCheckpointFile(dir)).trees[0]!.forest.params.seed).toBe(5);
  });

  it('ignores, with a warning, a checkpoint whose trees are corrupt', async () => {
    const dir = await tempFolder();
    await trainForest(X, y, 3, { ...options, nTrees: 4, checkpointDir: dir });
    const file = await readCheckpointFile(dir);
    file.trees[1]!.forest.arrays.right = file.trees[0]!.forest.arrays.right;
    await writeFile(join(dir, FOREST_CHECKPOINT_FILE), JSON.stringify(file));
    const { lines, logger } = warnings();
    const resumedFrom: number[] = [];
    await trainForest(X, y, 3, {
      ...options,
      nTrees: 4,
      checkpointDir: dir,
      logger,
      onProgress: (_d, _t, p) => resumedFrom.push(p.resumedFrom),
    });
    expect(resumedFrom[0]).toBe(0);
    expect(lines.join('\n')).toMatch(/forest JSON/);
  });

  it('ignores, with a warning, a checkpoint file that is not JSON', async () => {
    const dir = await tempFolder();
    await writeFile(join(dir, FOREST_CHECKPOINT_FILE), '{"kind": "random-forest-checkpoint", tru');
    const { lines, logger } = warnings();
    const forest = await trainForest(X, y, 3, { ...options, nTrees: 3, checkpointDir: dir, logger });
    expect(forest.nTrees).toBe(3);
    expect(lines.join('\n')).toMatch(/not valid JSON/);
  });
});

describe('forestFingerprint', () => {
  const { X, y } = threeClassSet(50, 22);
  const params = { seed: 1, maxDepth: null };

  it('changes with any feature value, label or parameter, and only then', () => {
    const base = forestFingerprint(X, y, 3, params);
    expect(forestFingerprint(X, y, 3, { ...params })).toBe(base);
    const data = X.data.slice();
    data[17] = data[17]! + 1e-12;
    expect(forestFingerprint({ ...X, data }, y, 3, params)).not.toBe(base);
    const labels = y.slice();
    labels[3] = (labels[3]! + 1) % 3;
    expect(forestFingerprint(X, labels, 3, params)).not.toBe(base);
    expect(forestFingerprint(X, y, 3, { ...params, seed: 2 })).not.toBe(base);
  });
});

describe('writeForestCheckpoint / readForestCheckpoint', () => {
  it('reads back what was written and nothing for a missing folder', async () => {
    const dir = join(await tempFolder(), 'nested', 'checkpoints');
    expect(await readForestCheckpoint(dir, 'abc')).toBeUndefined();
    const { X, y } = threeClassSet(40, 23);
    const forest = (await trainForest(X, y, 3, { nTrees: 1, threads: 1 })).toJSON();
    await writeForestCheckpoint(dir, 'abc', [checkpointEntry(0, forest), checkpointEntry(3, forest)]);
    expect(await readForestCheckpoint(dir, 'abc')).toEqual([
      { index: 0, forest },
      { index: 3, forest },
    ]);
    const { lines, logger } = warnings();
    expect(await readForestCheckpoint(dir, 'other', logger)).toBeUndefined();
    expect(lines[0]).toContain(FOREST_CHECKPOINT_FILE);
  });
});
