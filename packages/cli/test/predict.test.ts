import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasStackTrace, runMlops, tempWorkspace } from './cli-process.js';
import { EXAMPLE_LISTING } from '@mlops/core/listing';

const dir = tempWorkspace();
const example = EXAMPLE_LISTING;

beforeAll(async () => {
  await runMlops(['data', 'generate', '--rows', '800', '--seed', '2', '--out', 'train.csv'], dir);
  const trained = await runMlops(
    ['train', '--data', 'train.csv', '--trees', '8', '--out', 'model.json', '--no-checkpoints'],
    dir,
  );
  expect(trained.code).toBe(0);
});

function expectPrediction(p: { price_category: string; probabilities: Record<string, number> }) {
  expect(['low', 'medium', 'high']).toContain(p.price_category);
  const values = Object.values(p.probabilities);
  expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  expect(p.probabilities[p.price_category]).toBe(Math.max(...values));
}

describe('mlops predict', () => {
  it("answers the old service's example body given inline with one prediction object", async () => {
    const run = await runMlops(['predict', '--model', 'model.json', '--input', JSON.stringify(example)], dir);
    expect(run.code).toBe(0);
    expectPrediction(JSON.parse(run.stdout));
  });

  it('answers an array from a file with an array, accepting raw portal forms and missing fields', async () => {
    writeFileSync(
      join(dir, 'listings.json'),
      JSON.stringify([
        example,
        { GrossSquareMeters: '135 m2', NumberOfRooms: '3+1', BuildingAge: '5-10', district: 'kadikoy' },
        {},
      ]),
    );
    const run = await runMlops(['predict', '--model', 'model.json', '--input', 'listings.json'], dir);
    expect(run.code).toBe(0);
    const predictions = JSON.parse(run.stdout);
    expect(predictions).toHaveLength(3);
    predictions.forEach(expectPrediction);
  });

  it('names the listing and field of a bad value, in one line with exit code 1', async () => {
    const run = await runMlops(
      [
        'predict',
        '--model',
        'model.json',
        '--input',
        JSON.stringify([example, { ...example, BuildingAge: 'old' }]),
      ],
      dir,
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^mlops: error: --input listing 1: BuildingAge: expected a building age/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('reports a missing input file, a missing model and a file that is not a bundle', async () => {
    const input = await runMlops(['predict', '--model', 'model.json', '--input', 'nope.json'], dir);
    expect(input.code).toBe(1);
    expect(input.stderr).toMatch(/--input nope\.json is neither inline JSON nor an existing file/);
    const model = await runMlops(['predict', '--model', 'none.json', '--input', '{}'], dir);
    expect(model.stderr).toBe('mlops: error: model bundle none.json does not exist\n');
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ kind: 'random-forest', formatVersion: 1 }));
    const other = await runMlops(['predict', '--model', 'other.json', '--input', '{}'], dir);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(
      /other\.json is not a model bundle: got kind "random-forest", expected "housing-price-model"/,
    );
    expect(hasStackTrace(other.stderr)).toBe(false);
  });
});
