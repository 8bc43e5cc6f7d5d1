/**
 * Numbers derived from a listing's text fields for the pipeline's engineered
 * columns: the floor number a FloorLocation label stands for, and the ad month
 * of an AdCreationDate.
 */
import { foldTurkish } from '../listing/text.js';

/**
 * The floor number a FloorLocation label stands for, or NaN when it names no
 * level (roof floors, "middle"). Ground-level labels are 0, raised entrances
 * 0.5, basements negative, ranges their midpoint ("10-20. Kat" -> 15), "40+" 40.
 */
export function floorNumber(label: string | null): number {
  if (label === null) return Number.NaN;
  const text = foldTurkish(label.normalize('NFC').trim()).replace(/\s+/g, ' ');
  const basement = /^kot\s*(\d+)/.exec(text);
  if (basement) return -Number(basement[1]);
  const range = /^(\d+)\s*-\s*(\d+)\s*\.?\s*kat/.exec(text);
  if (range) return (Number(range[1]) + Number(range[2])) / 2;
  const plus = /^(\d+)\s*\+\s*\.?\s*kat/.exec(text);
  if (plus) return Number(plus[1]);
  const level = /^(-?\d+)\s*\.?\s*kat/.exec(text);
  if (level) return Number(level[1]);
  return NAMED_FLOORS[text] ?? Number.NaN;
}

/** Floor labels without a number (Turkish folded to ASCII, lower case), by level. */
const NAMED_FLOORS: Record<string, number> = {
  'bahce kati': 0,
  'bahce dublex': 0,
  'bahce dubleks': 0,
  'duz giris': 0,
  'giris kati': 0,
  'zemin kat': 0,
  'villa tipi': 0,
  mustakil: 0,
  'yuksek giris': 0.5,
  'asma kat': 0.5,
  'yuksek bodrum': -0.5,
  'yari bodrum': -0.5,
  'tam bodrum': -1,
  'bodrum kat': -1,
  bodrum: -1,
};

/** Months since year 0 of a `YYYY-MM...` date, or NaN. */
export function adMonth(date: string | null): number {
  if (date === null) return Number.NaN;
  const match = /^\s*(\d{4})-(\d{1,2})/.exec(date);
  if (!match) return Number.NaN;
  const month = Number(match[2]);
  if (month < 1 || month > 12) return Number.NaN;
  return Number(match[1]) * 12 + month - 1;
}
