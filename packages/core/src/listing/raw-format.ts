/**
 * The property portal's raw text forms, both directions: parsers that turn one
 * raw cell into a clean value (number, `YYYY-MM`, breadcrumb text), and
 * formatters that write a clean value back in the portal's form (used by the
 * synthetic generator, and a round-trip check of the parsers).
 *
 * Every parser returns `null` for a missing value (empty cell, or a pandas-style
 * missing token) and throws InvalidDataError whose message says what was
 * expected and what was received; the CSV loader turns that message into a
 * bad-row reason.
 *
 * The old Python pipeline stripped every non-digit, so `"135 m2"` became 1352
 * (the 2 of "m2") and `"5-10"` became 510. Here each form is matched as a whole
 * by a pattern, so a unit or a range can never leak digits into the value.
 */
import { PRICE_CATEGORIES, type PriceCategory } from '../constants.js';
import { InvalidArgumentError, InvalidDataError } from '../errors.js';
import { foldTurkish } from './text.js';

/** Cells the loader treats as missing besides the empty cell (what pandas writes for NaN/None). */
const MISSING_TOKENS = new Set(['nan', 'none', 'null', 'n/a', 'na']);

/** True when a raw cell stands for a missing value: absent, blank, or a missing token such as `NaN`. */
export function isMissingRaw(raw: string | null | undefined): raw is null | undefined | '' {
  if (raw === null || raw === undefined) return true;
  const trimmed = raw.trim();
  return trimmed === '' || MISSING_TOKENS.has(trimmed.toLowerCase());
}

const THOUSANDS_DOT = /^\d{1,3}(?:\.\d{3})+$/;
const THOUSANDS_COMMA = /^\d{1,3}(?:,\d{3})+$/;

/**
 * Reads a number written with either Turkish (`1.250,5`) or English (`1,250.5`)
 * separators. A lone separator followed by exactly three-digit groups is a
 * thousands separator (`1.250` -> 1250, `3,100,000` -> 3100000), because the
 * portal writes thousands that way and a 1.25 m2 flat or a 3.1 TL flat does not
 * exist; otherwise it is the decimal mark (`135,5` -> 135.5, `100.0` -> 100).
 * Returns NaN when the text is not such a number.
 */
export function parseLocalizedNumber(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  if (!/^\d[\d.,]*$/.test(text)) return Number.NaN;
  const lastDot = text.lastIndexOf('.');
  const lastComma = text.lastIndexOf(',');
  if (lastDot >= 0 && lastComma >= 0) {
    // Both present: the later one is the decimal mark, the other groups thousands.
    const decimal = lastDot > lastComma ? '.' : ',';
    const group = decimal === '.' ? ',' : '.';
    const [whole = '', fraction = '', extra] = text.split(decimal);
    if (extra !== undefined || fraction.includes(group) || !/^\d+$/.test(fraction)) return Number.NaN;
    const groupPattern = group === '.' ? THOUSANDS_DOT : THOUSANDS_COMMA;
    if (!groupPattern.test(whole)) return Number.NaN;
    return Number(`${whole.split(group).join('')}.${fraction}`);
  }
  if (THOUSANDS_DOT.test(text)) return Number(text.replace(/\./g, ''));
  if (THOUSANDS_COMMA.test(text)) return Number(text.replace(/,/g, ''));
  if (/^\d+[.,]\d+$/.test(text)) return Number(text.replace(',', '.'));
  return Number.NaN;
}

function describe(raw: string): string {
  return JSON.stringify(raw.length > 80 ? `${raw.slice(0, 77)}...` : raw);
}

const SQUARE_METERS = /^(\d[\d.,]*)\s*(?:m2|m²|m\^2|metrekare|sqm)?$/i;

/**
 * Area in square metres from `"135 m2"`, `"1.250 m2"` (thousands dot), `"135"`,
 * `"135,5 m2"` or `"100.0"`. Unit spellings m2, m², metrekare are accepted.
 */
export function parseSquareMeters(raw: string | null | undefined): number | null {
  if (isMissingRaw(raw)) return null;
  const text = raw.trim();
  const match = SQUARE_METERS.exec(text);
  const value = match ? parseLocalizedNumber(match[1] as string) : Number.NaN;
  if (!Number.isFinite(value)) {
    throw new InvalidDataError(`expected an area such as "135 m2" or "1.250 m2", got ${describe(raw)}`);
  }
  return value;
}

/**
 * Value used for the portal's open age bucket "21 Ve Üzeri" (21 years and
 * over): the bucket's lower bound plus 4. Why 25: the bucket spans buildings
 * from 21 to well over 50 years old, so its lower bound would understate it; 25
 * continues the spacing of the other bucket midpoints (7.5, 13, 18 -> about 5-7
 * years apart) and keeps the value strictly above every closed bucket, which is
 * all a tree model needs. Any "N Ve Üzeri" maps to N + 4.
 */
export const OPEN_AGE_BUCKET_OFFSET = 4;

const AGE_NUMBER = /^\d+(?:[.,]\d+)?$/;
const AGE_RANGE = /^(\d+)\s*-\s*(\d+)$/;
const AGE_OPEN = /^(\d+)\s*(?:(?:ve|and)\s+)?(?:uzeri|ustu|\+|or more)$/;

/**
 * Building age in years: `"0"`..`"4"` (and any plain number) -> that number,
 * a range `"5-10"` -> its midpoint 7.5 (`"11-15"` -> 13, `"16-20"` -> 18),
 * `"21 Ve Üzeri"` -> 25 (see OPEN_AGE_BUCKET_OFFSET), `"Sıfır Bina"` (new) -> 0.
 */
export function parseBuildingAge(raw: string | null | undefined): number | null {
  if (isMissingRaw(raw)) return null;
  const text = foldTurkish(raw.trim()).replace(/\s+/g, ' ');
  if (AGE_NUMBER.test(text)) return Number(text.replace(',', '.'));
  const range = AGE_RANGE.exec(text);
  if (range) {
    const from = Number(range[1]);
    const to = Number(range[2]);
    if (from <= to) return (from + to) / 2;
  }
  const open = AGE_OPEN.exec(text);
  if (open) return Number(open[1]) + OPEN_AGE_BUCKET_OFFSET;
  if (text === 'sifir' || text === 'sifir bina' || text === 'yeni') return 0;
  throw new InvalidDataError(
    `expected a building age such as "3", "5-10" or "21 Ve Üzeri", got ${describe(raw)}`,
  );
}

const ROOMS_PLUS = /^(\d+(?:[.,]\d+)?)\s*\+\s*(\d+(?:[.,]\d+)?)$/;
const ROOMS_NUMBER = /^\d+(?:[.,]\d+)?$/;
const ROOMS_OPEN = /^(\d+)\s*(?:(?:ve|and)\s+)?(?:uzeri|ustu|\+|or more)$/;

/**
 * Number of rooms (the part before the plus; the part after counts living
 * rooms): `"3+1"` -> 3, `"2.5+1"` -> 2.5, `"Stüdyo"` / `"Stüdyo (1+0)"` / `"1+0"`
 * -> 1, a plain `"3"` -> 3. The open bucket `"10 Üzeri"` (10 and over) -> 10:
 * only the bound is known, and such flats are rare enough that any value above
 * 9 ranks them correctly.
 */
export function parseNumberOfRooms(raw: string | null | undefined): number | null {
  if (isMissingRaw(raw)) return null;
  const text = foldTurkish(raw.trim()).replace(/\s+/g, ' ');
  if (text.startsWith('studyo') || text.startsWith('studio')) return 1;
  const plus = ROOMS_PLUS.exec(text);
  if (plus) return Number((plus[1] as string).replace(',', '.'));
  if (ROOMS_NUMBER.test(text)) return Number(text.replace(',', '.'));
  const open = ROOMS_OPEN.exec(text);
  if (open) return Number(open[1]);
  throw new InvalidDataError(`expected rooms such as "3+1", "2.5+1" or "Stüdyo", got ${describe(raw)}`);
}

/** Turkish month names in calendar order, as the portal writes them. */
export const TURKISH_MONTHS = [
  'Ocak',
  'Şubat',
  'Mart',
  'Nisan',
  'Mayıs',
  'Haziran',
  'Temmuz',
  'Ağustos',
  'Eylül',
  'Ekim',
  'Kasım',
  'Aralık',
] as const;

/** Folded month name or its three-letter abbreviation -> month number 1..12. */
const MONTH_BY_NAME = new Map<string, number>(
  TURKISH_MONTHS.flatMap((name, index) => {
    const folded = foldTurkish(name);
    return [
      [folded, index + 1],
      [folded.slice(0, 3), index + 1],
    ] as [string, number][];
  }),
);
const WEEKDAYS = new Set(['pazartesi', 'sali', 'carsamba', 'persembe', 'cuma', 'cumartesi', 'pazar']);

const ISO_DATE = /^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[t ][\d:.]+(?:z|[+-]\d{2}:?\d{2})?)?$/i;
const NUMERIC_DATE = /^(\d{1,2})[./](\d{1,2})[./](\d{4})$/;
const TURKISH_DATE = /^(?:(\d{1,2})\s+)?([a-z]+)\.?\s+(\d{4})(?:\s+([a-z]+))?$/;

function yearMonth(year: number, month: number, day: number | undefined): string | null {
  if (year < 1900 || year > 2200 || month < 1 || month > 12) return null;
  if (day !== undefined && (day < 1 || day > 31)) return null;
  return `${year}-${String(month).padStart(2, '0')}`;
}

/**
 * Ad creation month as `YYYY-MM` from the portal's Turkish date
 * `"24 Şubat 2022"` (all twelve month names, any case, with or without Turkish
 * letters, three-letter abbreviations, optional day and trailing weekday), an
 * ISO date `"2022-02-24"` / `"2022-02-24T10:00:00Z"` / `"2022-02"`, or
 * `"24.02.2022"`. Only the month is kept: the day adds noise, not signal.
 */
export function parseAdCreationDate(raw: string | null | undefined): string | null {
  if (isMissingRaw(raw)) return null;
  const text = foldTurkish(raw.trim()).replace(/\s+/g, ' ');
  let result: string | null = null;
  const iso = ISO_DATE.exec(text);
  const numeric = iso ? null : NUMERIC_DATE.exec(text);
  const turkish = iso || numeric ? null : TURKISH_DATE.exec(text);
  if (iso) {
    result = yearMonth(Number(iso[1]), Number(iso[2]), iso[3] === undefined ? undefined : Number(iso[3]));
  } else if (numeric) {
    result = yearMonth(Number(numeric[3]), Number(numeric[2]), Number(numeric[1]));
  } else if (turkish) {
    const month = MONTH_BY_NAME.get(turkish[2] as string);
    const weekdayOk = turkish[4] === undefined || WEEKDAYS.has(turkish[4]);
    if (month !== undefined && weekdayOk) {
      result = yearMonth(
        Number(turkish[3]),
        month,
        turkish[1] === undefined ? undefined : Number(turkish[1]),
      );
    }
  }
  if (result === null) {
    throw new InvalidDataError(
      `expected a date such as "24 Şubat 2022" or "2022-02-24", got ${describe(raw)}`,
    );
  }
  return result;
}

/** Separator between breadcrumb parts in a parsed address. */
export const ADDRESS_SEPARATOR = ' > ';

/**
 * Reads a Python-style list literal of strings, as the portal's scraper wrote
 * the breadcrumb: items in single or double quotes, backslash escapes, commas
 * between; unquoted items are read up to the next comma or bracket.
 * Returns the items, or a string describing where the literal is malformed.
 */
function readListLiteral(text: string): string[] | string {
  const items: string[] = [];
  let i = 1; // past '['
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  skipSpace();
  if (text[i] === ']') {
    i++;
    skipSpace();
    return i === text.length ? items : `unexpected text after "]" at character ${i + 1}`;
  }
  for (;;) {
    skipSpace();
    const quote = text[i];
    let item = '';
    if (quote === "'" || quote === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const ch = text[i] as string;
        if (ch === '\\' && i + 1 < text.length) {
          const next = text[i + 1] as string;
          item += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          i += 2;
          continue;
        }
        if (ch === quote) {
          closed = true;
          i++;
          break;
        }
        item += ch;
        i++;
      }
      if (!closed) return `unclosed quote in item ${items.length + 1}`;
    } else {
      const start = i;
      while (i < text.length && text[i] !== ',' && text[i] !== ']') i++;
      item = text.slice(start, i).trim();
    }
    items.push(item);
    skipSpace();
    if (text[i] === ',') {
      i++;
      skipSpace();
      // A trailing comma before the bracket is valid Python.
      if (text[i] === ']') {
        i++;
        break;
      }
      continue;
    }
    if (text[i] === ']') {
      i++;
      break;
    }
    return i >= text.length
      ? 'missing closing "]"'
      : `expected "," or "]" at character ${i + 1}, got ${JSON.stringify(text[i])}`;
  }
  skipSpace();
  return i === text.length ? items : `unexpected text after "]" at character ${i + 1}`;
}

/**
 * Address as breadcrumb text: the list literal
 * `"['Anasayfa', 'Satılık Daire', 'İstanbul Satılık Daire']"` becomes
 * `"Anasayfa > Satılık Daire > İstanbul Satılık Daire"` (items trimmed, empty
 * items dropped; quotes and commas inside quoted items are kept). Text that is
 * not a list literal is an address already and passes through trimmed. An empty
 * list is a missing value.
 */
export function parseAddress(raw: string | null | undefined): string | null {
  if (isMissingRaw(raw)) return null;
  const text = raw.trim().normalize('NFC');
  if (!text.startsWith('[')) return text;
  const items = readListLiteral(text);
  if (typeof items === 'string') {
    throw new InvalidDataError(
      `expected an address list such as "['Anasayfa', 'Satılık Daire']" (${items}), got ${describe(raw)}`,
    );
  }
  const parts = items.map((item) => item.trim()).filter((item) => item !== '');
  return parts.length === 0 ? null : parts.join(ADDRESS_SEPARATOR);
}

const PRICE = /^(?:₺|tl|try)?\s*(\d[\d.,]*)\s*(?:tl|try|₺)?$/i;

/** Asking price in TL from `"3,100,000 TL"`, `"3.100.000 TL"`, `"₺3100000"` or `"3100000"`; must be > 0. */
export function parsePrice(raw: string | null | undefined): number | null {
  if (isMissingRaw(raw)) return null;
  const match = PRICE.exec(raw.trim());
  const value = match ? parseLocalizedNumber(match[1] as string) : Number.NaN;
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new InvalidDataError(`expected a positive price such as "3,100,000 TL", got ${describe(raw)}`);
  }
  return value;
}

/** Price category label: `low`, `medium` or `high` (case and surrounding spaces ignored). */
export function parsePriceCategory(raw: string | null | undefined): PriceCategory | null {
  if (isMissingRaw(raw)) return null;
  const text = raw.trim().toLowerCase();
  if ((PRICE_CATEGORIES as readonly string[]).includes(text)) return text as PriceCategory;
  throw new InvalidDataError(`expected one of ${PRICE_CATEGORIES.join(', ')}, got ${describe(raw)}`);
}

/**
 * District in the portal's key form: lower-case ASCII without spaces, so
 * `"Kadıköy"`, `"KADIKÖY"` and `"kadikoy"` all give `kadikoy`, and
 * `"Eyüp Sultan"` gives `eyupsultan`. Apply the same function to API input so
 * training and serving agree.
 */
export function normalizeDistrict(raw: string | null | undefined): string | null {
  if (isMissingRaw(raw)) return null;
  const key = foldTurkish(raw.trim()).replace(/[\s\-'’.]+/g, '');
  return key === '' ? null : key;
}

/** A free-text category (heating, structure, floor, subscription): trimmed, Unicode NFC, inner spaces collapsed. */
export function parseText(raw: string | null | undefined): string | null {
  if (isMissingRaw(raw)) return null;
  return raw.trim().normalize('NFC').replace(/\s+/g, ' ');
}

// ---------------------------------------------------------------------------
// Formatters: clean value -> the portal's raw form.

/** `135` -> `"135 m2"` (whole square metres, no thousands separator, as in the 2022 file). */
export function formatSquareMeters(value: number): string {
  return `${Math.round(value)} m2`;
}

/** The portal's building age buckets for an age in whole years: 0..4, "5-10", "11-15", "16-20", "21 Ve Üzeri". */
export function formatBuildingAge(years: number): string {
  const age = Math.max(0, Math.round(years));
  if (age <= 4) return String(age);
  if (age <= 10) return '5-10';
  if (age <= 15) return '11-15';
  if (age <= 20) return '16-20';
  return '21 Ve Üzeri';
}

/** `3` -> `"3+1"`, `2.5` -> `"2.5+1"`, `livingRooms` after the plus (default 1). */
export function formatNumberOfRooms(rooms: number, livingRooms = 1): string {
  return `${rooms}+${livingRooms}`;
}

/** The portal's Turkish date: (2022, 2, 24) -> `"24 Şubat 2022"`; month is 1..12. */
export function formatTurkishDate(year: number, month: number, day: number): string {
  const name = TURKISH_MONTHS[month - 1];
  if (name === undefined) throw new InvalidArgumentError(`month must be 1..12, got ${month}`);
  return `${day} ${name} ${year}`;
}

/** Breadcrumb parts -> the scraper's list literal, quoting like Python's repr. */
export function formatAddressList(parts: readonly string[]): string {
  const quoted = parts.map((part) => {
    // Python picks double quotes when the text has a single quote and no double quote.
    if (part.includes("'") && !part.includes('"')) return `"${part.replace(/\\/g, '\\\\')}"`;
    return `'${part.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  });
  return `[${quoted.join(', ')}]`;
}

/** Whole TL with comma thousands and the currency: 3100000 -> `"3,100,000 TL"`. */
export function formatPrice(value: number): string {
  const whole = String(Math.round(value));
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')} TL`;
}
