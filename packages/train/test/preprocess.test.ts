import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidDataError, createLogger, loadConfig, type Config } from '@mlops/core';
import { loadRawListings, type LabelledListing } from '@mlops/core/listing';
import { holdoutSplit } from '@mlops/core/model';
import { listingsFingerprint } from '@mlops/core/sampling';
import { writeSyntheticListings } from '@mlops/core/synthetic';
import { preprocess } from '../src/preprocess.js';

const logger = createLogger({ name: 'preprocess-test', level: 'silent' });
const input = { trigger: { reason: 'manual' as const } };

describe('preprocess', () => {
  let dir: string;
  let config: Config;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'train-preprocess-'));
    config = loadConfig({ DATA_DIR: join(dir, 'data'), MODEL_DIR: join(dir, 'models'), LOG_LEVEL: 'warn' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as LabelledListing[];

  it("splits the named file with core's holdoutSplit into the run's folder, fingerprinting the train side", async () => {
    const csv = join(dir, 'given.csv');
    await writeSyntheticListings(csv, { rows: 1500, seed: 4 });
    const result = await preprocess(
      { config, logger },
      { ...input, dataPath: csv },
      { workflowId: 'w', runId: 'r1' },
    );

    expect(result.processedDir).toBe(join(config.DATA_DIR, 'processed', 'w-r1'));
    const expected = holdoutSplit((await loadRawListings(csv)).listings);
    const train = read(join(result.processedDir, 'train.json'));
    const test = read(join(result.processedDir, 'test.json'));
    expect(train).toEqual(expected.train);
    expect(test).toEqual(expected.test);
    expect(result).toMatchObject({ nTrain: train.length, nTest: test.length, nBadRows: 0 });
    expect(result.dataFingerprint).toBe(listingsFingerprint(train));
    expect(JSON.parse(readFileSync(join(result.processedDir, 'manifest.json'), 'utf8'))).toEqual({
      files: [csv],
      nTrain: train.length,
      nTest: test.length,
      nBadRows: 0,
      dataFingerprint: result.dataFingerprint,
    });
    // The reference snapshot of the run, also copied where `mlops monitor --once` looks.
    expect(result.referencePath).toBe(join(result.processedDir, 'reference.json'));
    expect(readFileSync(join(config.DATA_DIR, 'reference', 'reference.json'), 'utf8')).toBe(
      readFileSync(result.referencePath, 'utf8'),
    );
  });

  it('refuses too few listings as bad data', async () => {
    const run = { workflowId: 'w', runId: 'r3' };
    const small = join(dir, 'small.csv');
    await writeSyntheticListings(small, { rows: 20, seed: 5 });
    const failure = preprocess({ config, logger }, { ...input, dataPath: small }, run);
    await expect(failure).rejects.toThrow(InvalidDataError);
    await expect(failure).rejects.toThrow(/20 usable listings; at least 50 are needed to train/);
  });
});
