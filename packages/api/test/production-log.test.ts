import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PRODUCTION_LOG_DDL, PRODUCTION_LOG_TABLE, type Listing } from '@mlops/core/listing';
import type { LoadedModel } from '../src/model-source.js';
import { ProductionLog, servedPrediction, type ServedPrediction } from '../src/production-log.js';

const listing: Listing = {
  GrossSquareMeters: 100,
  NetSquareMeters: 80,
  BuildingAge: 10,
  NumberOfRooms: 3,
  district: 'district1',
  HeatingType: 'central',
  StructureType: 'concrete',
  FloorLocation: 'middle',
  address: '123 Main St',
  AdCreationDate: '2024-01-01',
  Subscription: 'premium',
};

function served(i: number): ServedPrediction {
  return {
    ts: 1_700_000_000_000 + i,
    modelName: 'HousingPriceClassifier',
    modelVersion: '3',
    modelAlias: 'production',
    listing: { ...listing, address: `street ${i}`, GrossSquareMeters: 50 + i },
    prediction: i % 2 === 0 ? 'low' : 'high',
    probabilities: { low: 0.5, medium: 0.25, high: 0.25 },
    predictionId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  };
}

function readRows(path: string): Record<string, unknown>[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(`SELECT * FROM ${PRODUCTION_LOG_TABLE} ORDER BY id`).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ProductionLog', () => {
  let dir: string;
  let path: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'production-log-'));
    path = join(dir, 'production', 'predictions.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('queues appends without writing and commits them within the flush interval', async () => {
    const log = new ProductionLog({ path, flushIntervalMs: 30 });
    expect(log.append(served(1))).toBe(1);
    expect(log.append(served(2))).toBe(2);
    expect(log.stats()).toMatchObject({ appended: 2, committed: 0, durableSeq: 0, queued: 2 });
    expect(readRows(path)).toHaveLength(0);
    await sleep(300);
    expect(log.stats()).toMatchObject({ appended: 2, committed: 2, durableSeq: 2, queued: 0, batches: 1 });
    expect(readRows(path)).toHaveLength(2);
    await log.close();
  });

  it('writes every column in the shape the monitor reads', async () => {
    const log = new ProductionLog({ path });
    log.append(served(7));
    await log.close();
    const [row] = readRows(path);
    expect(row).toEqual({
      id: 1,
      ts: 1_700_000_000_007,
      model_name: 'HousingPriceClassifier',
      model_version: '3',
      model_alias: 'production',
      GrossSquareMeters: 57,
      NetSquareMeters: 80,
      BuildingAge: 10,
      NumberOfRooms: 3,
      district: 'district1',
      HeatingType: 'central',
      StructureType: 'concrete',
      FloorLocation: 'middle',
      address: 'street 7',
      AdCreationDate: '2024-01-01',
      Subscription: 'premium',
      prediction: 'high',
      p_low: 0.5,
      p_medium: 0.25,
      p_high: 0.25,
      prediction_id: '00000000-0000-4000-8000-000000000007',
    });
  });

  it('upgrades a log written before predictions had ids in place, keeping its rows', async () => {
    mkdirSync(join(dir, 'production'), { recursive: true });
    const old = new Database(path);
    // The table as the API created it before prediction_id existed.
    old.exec(PRODUCTION_LOG_DDL.replace(',\n  prediction_id TEXT', ''));
    old
      .prepare(
        `INSERT INTO ${PRODUCTION_LOG_TABLE} (ts, model_name, model_version, model_alias, prediction, p_low, p_medium, p_high) VALUES (1, 'm', '1', 'production', 'low', 1, 0, 0)`,
      )
      .run();
    expect(
      old.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(PRODUCTION_LOG_TABLE),
    ).not.toContain('prediction_id');
    old.close();
    const log = new ProductionLog({ path });
    log.append(served(1));
    log.append(served(2));
    await log.close();
    const rows = readRows(path);
    expect(rows.map((r) => r.prediction_id)).toEqual([
      null,
      '00000000-0000-4000-8000-000000000001',
      '00000000-0000-4000-8000-000000000002',
    ]);
    const db = new Database(path, { readonly: true });
    try {
      expect(() =>
        db.prepare(`SELECT 1 FROM ${PRODUCTION_LOG_TABLE} INDEXED BY predictions_prediction_id`).all(),
      ).not.toThrow();
    } finally {
      db.close();
    }
  });

  it('refuses a second row with the same prediction id (unique index)', () => {
    const log = new ProductionLog({ path });
    const db = new Database(path);
    try {
      const insert = db.prepare(
        `INSERT INTO ${PRODUCTION_LOG_TABLE} (ts, model_name, model_version, model_alias, prediction, p_low, p_medium, p_high, prediction_id) VALUES (1, 'm', '1', 'production', 'low', 1, 0, 0, 'same')`,
      );
      insert.run();
      expect(() => insert.run()).toThrow(/UNIQUE/);
    } finally {
      db.close();
    }
    return log.close();
  });

  it('uses WAL so the monitor can read while the API writes', async () => {
    const log = new ProductionLog({ path });
    await log.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('names the file when the database cannot be opened', () => {
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, 'x');
    expect(() => new ProductionLog({ path: join(blocker, 'predictions.db') })).toThrow(
      /cannot open the production log .*not-a-folder\/predictions\.db.*DATA_DIR/,
    );
  });

  it('resolves a durable append only after its row is committed, sharing one commit per event-loop turn', async () => {
    const log = new ProductionLog({ path, flushIntervalMs: 10_000 });
    const pending = [
      log.appendDurable(served(1)),
      log.appendDurable(served(2)),
      log.appendDurable(served(3)),
    ];
    expect(readRows(path)).toHaveLength(0);
    const seqs = await Promise.all(pending);
    expect(seqs).toEqual([1, 2, 3]);
    expect(readRows(path)).toHaveLength(3);
    expect(log.stats()).toMatchObject({ batches: 1, durableSeq: 3 });
    await log.close();
  });

  it('commits everything still queued on close, and the rows are there after reopening', async () => {
    const log = new ProductionLog({ path, flushIntervalMs: 10_000 });
    for (let i = 0; i < 250; i += 1) log.append(served(i));
    await log.close();
    expect(() => log.append(served(1))).toThrow(/closed/);
    const reopened = new ProductionLog({ path });
    reopened.append(served(999));
    await reopened.close();
    const rows = readRows(path);
    expect(rows).toHaveLength(251);
    expect(rows.map((r) => r.address)).toEqual([
      ...Array.from({ length: 250 }, (_, i) => `street ${i}`),
      'street 999',
    ]);
  });

  it('splits a long queue into batches of at most maxBatchRows rows, committed in order', async () => {
    const log = new ProductionLog({ path, flushIntervalMs: 10_000, maxBatchRows: 100 });
    for (let i = 0; i < 250; i += 1) log.append(served(i));
    await log.flush();
    expect(log.stats()).toMatchObject({ committed: 250, durableSeq: 250, batches: 3, queued: 0 });
    expect(readRows(path).map((r) => r.address)).toEqual(
      Array.from({ length: 250 }, (_, i) => `street ${i}`),
    );
    await log.close();
  });

  it('keeps rows queued while the database is locked and commits them once it is free', async () => {
    const log = new ProductionLog({ path, flushIntervalMs: 10, busyTimeoutMs: 20, retryDelayMs: 50 });
    const blocker = new Database(path);
    blocker.exec('BEGIN EXCLUSIVE');
    log.append(served(1));
    log.append(served(2));
    for (let i = 0; i < 100 && log.stats().failedFlushes === 0; i += 1) await sleep(10);
    expect(log.stats()).toMatchObject({ queued: 2, committed: 0, durableSeq: 0 });
    expect(log.stats().failedFlushes).toBeGreaterThan(0);
    expect(log.stats().lastError).toMatch(/locked/);
    blocker.exec('COMMIT');
    blocker.close();
    await log.flush();
    expect(log.stats()).toMatchObject({ queued: 0, committed: 2, durableSeq: 2 });
    await log.close();
    expect(readRows(path)).toHaveLength(2);
  });

  it('drops the oldest rows, counts them and rejects their durable waiters when the queue overflows', async () => {
    const log = new ProductionLog({
      path,
      flushIntervalMs: 10,
      maxQueueRows: 3,
      busyTimeoutMs: 20,
      retryDelayMs: 50,
    });
    const blocker = new Database(path);
    blocker.exec('BEGIN EXCLUSIVE');
    const first = log.appendDurable(served(1)).then(
      () => 'committed',
      (error: Error) => error.message,
    );
    // Let the first batch fail once, so every row is back in the queue.
    for (let i = 0; i < 100 && log.stats().failedFlushes === 0; i += 1) await sleep(10);
    for (let i = 2; i <= 5; i += 1) log.append(served(i));
    expect(await first).toMatch(/dropped/);
    expect(log.stats()).toMatchObject({ dropped: 2 });
    blocker.exec('COMMIT');
    blocker.close();
    await log.flush();
    expect(log.stats()).toMatchObject({ queued: 0, committed: 3, dropped: 2, durableSeq: 5 });
    await log.close();
    expect(readRows(path).map((r) => r.address)).toEqual(['street 3', 'street 4', 'street 5']);
  });

  it('never commits on the calling thread: a commit waiting on a lock does not stall the event loop', async () => {
    const log = new ProductionLog({ path, flushIntervalMs: 1, busyTimeoutMs: 1000, retryDelayMs: 10 });
    const blocker = new Database(path);
    blocker.exec('BEGIN EXCLUSIVE');
    const started = performance.now();
    log.append(served(1));
    // The flush fires within this sleep; a commit on this thread would hold it for the 1 s busy timeout.
    await sleep(50);
    expect(performance.now() - started).toBeLessThan(500);
    blocker.exec('COMMIT');
    blocker.close();
    await log.flush();
    expect(log.stats()).toMatchObject({ committed: 1, durableSeq: 1 });
    await log.close();
  });
});

describe('servedPrediction', () => {
  it('makes the row of one answered listing from the model that answered and what it said', () => {
    const model: LoadedModel = {
      name: 'HousingPriceClassifier',
      version: 'local-0123456789ab',
      alias: 'local',
      source: 'models/model.bundle.json',
      loadedAt: '2024-05-01T10:00:00.000Z',
      predictor: {
        predict: () => ({ price_category: 'high', probabilities: { low: 0, medium: 0, high: 1 } }),
      },
    };
    const prediction = {
      price_category: 'medium' as const,
      probabilities: { low: 0.2, medium: 0.5, high: 0.3 },
    };
    expect(servedPrediction(model, listing, prediction, 1_700_000_000_123, 'the-id')).toEqual({
      ts: 1_700_000_000_123,
      modelName: 'HousingPriceClassifier',
      modelVersion: 'local-0123456789ab',
      modelAlias: 'local',
      listing,
      prediction: 'medium',
      probabilities: { low: 0.2, medium: 0.5, high: 0.3 },
      predictionId: 'the-id',
    });
  });
});
