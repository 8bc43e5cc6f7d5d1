import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { LoadedModel } from '../../src/model-source.js';
import { describeModel, LOG_DURABILITY_HEADER, wantsDurableLog } from '../../src/routes/replies.js';

const requestWith = (headers: Record<string, string>) => ({ headers }) as unknown as FastifyRequest;

describe('route replies', () => {
  it('reads the durable-log wish from x-log-durability: sync or committed', () => {
    expect(LOG_DURABILITY_HEADER).toBe('x-log-durability');
    expect(wantsDurableLog(requestWith({ 'x-log-durability': 'sync' }))).toBe(true);
    expect(wantsDurableLog(requestWith({ 'x-log-durability': 'committed' }))).toBe(true);
    expect(wantsDurableLog(requestWith({ 'x-log-durability': 'async' }))).toBe(false);
    expect(wantsDurableLog(requestWith({}))).toBe(false);
  });

  it('describes the served model without its predictor', () => {
    const model: LoadedModel = {
      name: 'HousingPriceClassifier',
      version: '4',
      alias: 'production',
      source: 'mlflow-artifacts:/1/r4/artifacts/model.bundle.json',
      loadedAt: '2024-05-01T10:00:00.000Z',
      predictor: {
        predict: () => ({ price_category: 'low', probabilities: { low: 1, medium: 0, high: 0 } }),
      },
    };
    expect(describeModel(model)).toEqual({
      name: 'HousingPriceClassifier',
      version: '4',
      alias: 'production',
      source: 'mlflow-artifacts:/1/r4/artifacts/model.bundle.json',
      loadedAt: '2024-05-01T10:00:00.000Z',
    });
    expect(describeModel(null)).toBeNull();
  });
});
