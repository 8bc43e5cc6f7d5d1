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

describe('REGISTRY_ARTIFACT_ROOT and the S3 variables', () => {
  it('takes a folder or an s3://bucket[/prefix] location', () => {
    for (const root of [
      'mlruns',
      '/srv/mlruns',
      'C:\\mlruns',
      's3://mlops-artifacts',
      's3://my.bucket-1/registry/a',
    ]) {
      expect(loadConfig({ REGISTRY_ARTIFACT_ROOT: root }).REGISTRY_ARTIFACT_ROOT).toBe(root);
    }
  });

  it.each([
    's3://Upper',
    's3://ab',
    's3:/bucket',
    's3://',
    's3://a..b/x',
    'gs://bucket/x',
    'file:///srv/mlruns',
  ])('refuses %s, naming the variable and the expected form', (root) => {
    expect(() => loadConfig({ REGISTRY_ARTIFACT_ROOT: root })).toThrow(ConfigError);
    expect(() => loadConfig({ REGISTRY_ARTIFACT_ROOT: root })).toThrow(
      /REGISTRY_ARTIFACT_ROOT=.*expected a folder or s3:\/\/bucket\[\/prefix\]/,
    );
  });

  it('reads the S3 endpoints as http(s) URLs and leaves unset ones undefined', () => {
    const config = loadConfig({
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:8333',
      MLFLOW_S3_ENDPOINT_URL: 'https://s3.example.com',
      AWS_REGION: 'eu-central-1',
    });
    expect(config.AWS_ENDPOINT_URL_S3).toBe('http://127.0.0.1:8333');
    expect(config.MLFLOW_S3_ENDPOINT_URL).toBe('https://s3.example.com');
    expect(config.AWS_ENDPOINT_URL).toBeUndefined();
    expect(config.AWS_REGION).toBe('eu-central-1');
    expect(() => loadConfig({ AWS_ENDPOINT_URL: 'ftp://x' })).toThrow(/AWS_ENDPOINT_URL=.*http\(s\) URL/);
  });

  it('accepts any text as credentials, so no validation message ever shows a secret', () => {
    const config = loadConfig({ AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: 's/e+c=r' });
    expect(config.AWS_SECRET_ACCESS_KEY).toBe('s/e+c=r');
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

describe('PRODUCTION_LOG_URL', () => {
  it('is unset by default (the SQLite file) and accepts postgresql:// and postgres:// URLs', () => {
    expect(loadConfig({}).PRODUCTION_LOG_URL).toBeUndefined();
    const url = 'postgresql://api:pw@db:5432/mlops';
    expect(loadConfig({ PRODUCTION_LOG_URL: url }).PRODUCTION_LOG_URL).toBe(url);
    expect(loadConfig({ PRODUCTION_LOG_URL: 'postgres://db/mlops' }).PRODUCTION_LOG_URL).toBe(
      'postgres://db/mlops',
    );
  });

  it('refuses other URLs, naming the variable but never repeating the password', () => {
    const load = () => loadConfig({ PRODUCTION_LOG_URL: 'mysql://api:hunter2@db/mlops' });
    expect(load).toThrow(
      /PRODUCTION_LOG_URL="mysql:\/\/api:\*\*\*@db\/mlops": expected a URL such as postgresql:/,
    );
    expect(load).not.toThrow(/hunter2/);
    expect(() => loadConfig({ PRODUCTION_LOG_URL: 'db.internal:5432' })).toThrow(/PRODUCTION_LOG_URL=/);
  });
});
