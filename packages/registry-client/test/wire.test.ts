import { describe, expect, it } from 'vitest';
import { fromWireDouble, MODEL_STAGES, RUN_STATUSES, toWireDouble, VIEW_TYPES } from '../src/wire.js';

describe('wire doubles', () => {
  it('keeps finite numbers and writes NaN and ±Infinity as MLflow strings', () => {
    expect(toWireDouble(0.25)).toBe(0.25);
    expect(toWireDouble(-3)).toBe(-3);
    expect(toWireDouble(Number.NaN)).toBe('NaN');
    expect(toWireDouble(Infinity)).toBe('Infinity');
    expect(toWireDouble(-Infinity)).toBe('-Infinity');
  });

  it('reads numbers, MLflow non-finite strings and numeric strings back', () => {
    expect(fromWireDouble(0.25)).toBe(0.25);
    expect(fromWireDouble('NaN')).toBeNaN();
    expect(fromWireDouble('Infinity')).toBe(Infinity);
    expect(fromWireDouble('-Infinity')).toBe(-Infinity);
    expect(fromWireDouble('1.5')).toBe(1.5);
    for (const value of [0, 1e-9, -7.5, Number.NaN, Infinity, -Infinity]) {
      expect(fromWireDouble(toWireDouble(value))).toBe(value);
    }
  });
});

describe('wire enums', () => {
  it('lists run statuses, view types and model stages in proto order', () => {
    expect(RUN_STATUSES).toEqual(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);
    expect(VIEW_TYPES).toEqual(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']);
    expect(MODEL_STAGES).toEqual(['None', 'Staging', 'Production', 'Archived']);
  });
});
