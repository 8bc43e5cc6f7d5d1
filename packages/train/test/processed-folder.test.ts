import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_LISTING, type LabelledListing } from '@mlops/core/listing';
import { processedDir, readListings, writeListings } from '../src/processed-folder.js';

describe('the processed folder', () => {
  it('is one folder per workflow run under <DATA_DIR>/processed/', () => {
    expect(processedDir('/data', { workflowId: 'training-pipeline', runId: 'abc' })).toBe(
      '/data/processed/training-pipeline-abc',
    );
  });

  it('gives back the listings it was given', () => {
    const dir = mkdtempSync(join(tmpdir(), 'train-processed-'));
    try {
      const listings: LabelledListing[] = [
        { ...EXAMPLE_LISTING, price_category: 'low', price: 1_500_000 },
        { ...EXAMPLE_LISTING, GrossSquareMeters: 310.5, price_category: 'high', price: null },
      ];
      writeListings(join(dir, 'train.json'), listings);
      expect(readListings(join(dir, 'train.json'))).toEqual(listings);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
