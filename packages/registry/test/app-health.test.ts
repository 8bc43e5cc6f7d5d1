import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempRegistry, type TempRegistry } from './temp-registry.js';

describe('GET /health', () => {
  let registry: TempRegistry;
  beforeAll(async () => {
    registry = await tempRegistry();
  });
  afterAll(() => registry.close());

  it('answers 200 with status ok once the stores are open', async () => {
    const response = await registry.app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });
});
