import { describe, expect, it } from 'vitest';
import { adMonth, floorNumber } from '../../src/features/derived.js';

describe('floorNumber', () => {
  it.each([
    ['3. Kat', 3],
    ['21. Kat', 21],
    ['Kot 2 (-2). Kat', -2],
    ['Bahçe Katı', 0],
    ['Düz Giriş', 0],
    ['Yüksek Giriş', 0.5],
    ['Yarı Bodrum', -0.5],
    ['Tam Bodrum', -1],
    ['10-20. Kat', 15],
    ['40+. Kat', 40],
    ['Villa Tipi', 0],
    ['YÜKSEK GİRİŞ', 0.5],
  ])('%s -> %d', (label, expected) => {
    expect(floorNumber(label)).toBe(expected);
  });

  it.each([['Çatı Katı'], ['middle'], [null]])('%s names no level -> NaN', (label) => {
    expect(floorNumber(label)).toBeNaN();
  });
});

describe('adMonth', () => {
  it('counts months of a YYYY-MM date and is NaN otherwise', () => {
    expect(adMonth('2022-02')).toBe(2022 * 12 + 1);
    expect(adMonth('2024-01-01')).toBe(2024 * 12);
    expect(adMonth('2022-13')).toBeNaN();
    expect(adMonth('yesterday')).toBeNaN();
  });
});
