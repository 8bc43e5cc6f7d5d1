import { describe, expect, it } from 'vitest';
import { loadConfig, parseDurationMs } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

describe('loadConfig', () => {
  it('applies the documented defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.REGISTRY_PORT).toBe(5000);
    expect(config.API_PORT).toBe(8081);
    expect(config.MONITOR_INTERVAL).toBe(300_000);
    expect(config.DRIFT_PSI_THRESHOLD).toBe(0.25);
    expect(config.REGISTRY_TOKEN).toBeUndefined();
  });

  it('names the variable and the value when a value is invalid', () => {
    expect(() => loadConfig({ API_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ API_PORT: 'eighty' })).toThrow(/API_PORT="eighty"/);
    expect(() => loadConfig({ MONITOR_INTERVAL: 'soon' })).toThrow(/MONITOR_INTERVAL="soon".*duration/);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ REGISTRY_TOKEN: '', API_PORT: '' }).API_PORT).toBe(8081);
  });
});

describe('REGISTRY_ALLOWED_ORIGINS', () => {
  it('is an empty list by default and a list of normalised origins when set', () => {
    expect(loadConfig({}).REGISTRY_ALLOWED_ORIGINS).toEqual([]);
    expect(
      loadConfig({ REGISTRY_ALLOWED_ORIGINS: ' https://Notebook.example:8888/ , http://localhost:3000' })
        .REGISTRY_ALLOWED_ORIGINS,
    ).toEqual(['https://notebook.example:8888', 'http://localhost:3000']);
  });

  it('refuses entries that are not http(s) origins, naming them', () => {
    expect(() => loadConfig({ REGISTRY_ALLOWED_ORIGINS: 'evil.example' })).toThrow(
      /REGISTRY_ALLOWED_ORIGINS.*evil\.example/,
    );
    expect(() => loadConfig({ REGISTRY_ALLOWED_ORIGINS: 'https://a.example/path' })).toThrow(
      /REGISTRY_ALLOWED_ORIGINS.*a\.example\/path/,
    );
    expect(() => loadConfig({ REGISTRY_ALLOWED_ORIGINS: '*' })).toThrow(/REGISTRY_ALLOWED_ORIGINS/);
  });
});

describe('REGISTRY_DB', () => {
  it('takes a SQLite path or a PostgreSQL URL, and a pool size', () => {
    expect(loadConfig({}).REGISTRY_DB).toBe('mlruns/registry.db');
    expect(loadConfig({}).REGISTRY_DB_POOL_SIZE).toBe(10);
    const url = 'postgresql://registry:pw@db:5432/registry';
    expect(loadConfig({ REGISTRY_DB: url, REGISTRY_DB_POOL_SIZE: '4' })).toMatchObject({
      REGISTRY_DB: url,
      REGISTRY_DB_POOL_SIZE: 4,
    });
    expect(loadConfig({ REGISTRY_DB: 'postgres://db/registry' }).REGISTRY_DB).toBe('postgres://db/registry');
  });

  it('refuses a PostgreSQL URL without a database or host, never echoing the password', () => {
    const attempt = () => loadConfig({ REGISTRY_DB: 'postgresql://registry:s3cret@db:5432' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/REGISTRY_DB="postgresql:\/\/registry:\*\*\*@db:5432": .*names no database/);
    expect(attempt).not.toThrow(/s3cret/);
    expect(() => loadConfig({ REGISTRY_DB: 'postgresql:///registry' })).toThrow(/REGISTRY_DB.*names no host/);
    expect(() => loadConfig({ REGISTRY_DB_POOL_SIZE: '0' })).toThrow(/REGISTRY_DB_POOL_SIZE/);
  });
});

describe('parseDurationMs', () => {
  it.each([
    ['10s', 10_000],
    ['5m', 300_000],
    ['250ms', 250],
    ['2h', 7_200_000],
    ['30', 30_000],
  ])('parses %s', (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it('rejects text that is not a duration', () => expect(parseDurationMs('five minutes')).toBeUndefined());
});
