import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';

describe('GET /health', () => {
  const app = buildApp({ dbPath: ':memory:', artifactRoot: '/nonexistent-artifacts' });
  afterAll(() => app.close());

  it('answers 200 with status ok once the stores are open', async () => {
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });
});
