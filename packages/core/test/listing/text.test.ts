import { describe, expect, it } from 'vitest';
import { foldTurkish, normaliseCategory } from '../../src/listing/text.js';

describe('foldTurkish', () => {
  it('folds Turkish letters and dotted/dotless i', () => {
    expect(foldTurkish('Işık İğneada ŞÇÖÜĞ')).toBe('isik igneada scoug');
  });
});

describe('normaliseCategory', () => {
  it('makes spelling variants of a category equal (case, Turkish letters, spaces)', () => {
    expect(normaliseCategory('KADIKÖY')).toBe(normaliseCategory('kadikoy'));
    expect(normaliseCategory('Kombi Doğalgaz')).toBe(normaliseCategory(' kombi dogalgaz '));
  });
});
