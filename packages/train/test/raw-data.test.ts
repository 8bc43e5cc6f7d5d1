import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidDataError, createLogger, loadConfig, type Config } from '@mlops/core';
import { loadRawListings } from '@mlops/core/listing';
import { SYNTHETIC_ROWS, rawDataFiles } from '../src/raw-data.js';

const logger = createLogger({ name: 'raw-data-test', level: 'silent' });

describe('rawDataFiles', () => {
  let dir: string;
  let config: Config;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'train-raw-data-'));
    config = loadConfig({ DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn' });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the named file alone, and refuses one that does not exist as bad data', async () => {
    const named = join(dir, 'named.csv');
    writeFileSync(named, '');
    mkdirSync(join(config.DATA_DIR, 'raw'), { recursive: true });
    writeFileSync(join(config.DATA_DIR, 'raw', 'other.csv'), '');
    expect(await rawDataFiles({ config, logger }, { dataPath: named, seed: 1 })).toEqual([named]);
    await expect(
      rawDataFiles({ config, logger }, { dataPath: join(dir, 'absent.csv'), seed: 1 }),
    ).rejects.toThrow(InvalidDataError);
  });

  it('otherwise takes every CSV of data/raw/, in name order', async () => {
    const raw = join(config.DATA_DIR, 'raw');
    mkdirSync(raw, { recursive: true });
    for (const name of ['b.csv', 'a.CSV', 'notes.txt']) writeFileSync(join(raw, name), '');
    expect(await rawDataFiles({ config, logger }, { seed: 1 })).toEqual([
      join(raw, 'a.CSV'),
      join(raw, 'b.csv'),
    ]);
  });

  it('writes synthetic listings into an empty data/raw/ first', async () => {
    const files = await rawDataFiles({ config, logger }, { seed: 3 });
    expect(files).toEqual([join(config.DATA_DIR, 'raw', 'listings.csv')]);
    expect((await loadRawListings(files[0]!)).listings).toHaveLength(SYNTHETIC_ROWS);
  });
});
