/**
 * Loading listing CSV files in the portal's raw form: header recognition,
 * per-cell parsing (raw-format.ts), labelling, and bad-row accounting; plus the
 * writer of raw rows.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parse } from 'csv-parse/sync';
import { configSchema } from '../config.js';
import { PRICE_CATEGORIES, type PriceCategory } from '../constants.js';
import { InvalidArgumentError, InvalidDataError } from '../errors.js';
import { EMPTY_LISTING, LISTING_FIELDS, type LabelledListing, type ListingField } from './listing.js';
import {
  normalizeDistrict,
  parseAddress,
  parseAdCreationDate,
  parseBuildingAge,
  parseNumberOfRooms,
  parsePrice,
  parsePriceCategory,
  parseSquareMeters,
  parseText,
} from './raw-format.js';

/** Columns of a raw listings file: the 11 listing fields, the asking price and the label. */
export const RAW_COLUMNS = [...LISTING_FIELDS, 'price', 'price_category'] as const;
export type RawColumn = (typeof RAW_COLUMNS)[number];

/** One row in the portal's raw text form (`"135 m2"`, `"5-10"`, ...); absent or null = empty cell. */
export type RawListingRow = { [K in RawColumn]?: string | null };

/** A row that could not be used, with where and why. `line` is 1-based, the header being line 1. */
export interface BadRow {
  file: string;
  line: number;
  /** The offending column, or null when the row itself is malformed (field count, quoting). */
  column: string | null;
  /** The offending raw cell (or raw line), or null when there was nothing to show. */
  value: string | null;
  reason: string;
}

/** Where the labels came from. */
export type LabelSource = 'price_category' | 'price';

/** The result of loading a raw listings file. */
export interface RawListingsLoad {
  /** The file name used in messages (the path, or the `file` option for text). */
  file: string;
  /** Parsed, labelled listings, in file order, bad rows left out. */
  listings: LabelledListing[];
  /** One entry per unusable data row. */
  badRows: BadRow[];
  /** Data rows read (usable + bad). */
  rowCount: number;
  /** Recognised columns present in the header, in header order. */
  columns: RawColumn[];
  /** Listing fields the file lacks; they are null in every listing. */
  missingColumns: ListingField[];
  /** Header cells that are not raw columns (e.g. a pandas index); ignored. */
  ignoredColumns: string[];
  /** `price_category` when the file has that column, else `price`. */
  labelSource: LabelSource;
  /**
   * Price cut points used for rows labelled from their price: the 40th and
   * 80th percentiles of the file's prices (TL), or null when no row needed them.
   */
  priceThresholds: { low: number; high: number } | null;
}

/** Options of the raw listings loaders. */
export interface LoadRawListingsOptions {
  /**
   * Largest share (0..1) of data rows that may be bad before the load fails
   * with InvalidDataError. Default: the config default of MAX_BAD_ROW_FRACTION
   * (0.05); services pass `config.MAX_BAD_ROW_FRACTION`.
   */
  maxBadRowFraction?: number;
}

/** The default of MAX_BAD_ROW_FRACTION, read from the one config schema so the two never disagree. */
export const DEFAULT_MAX_BAD_ROW_FRACTION: number = configSchema.shape.MAX_BAD_ROW_FRACTION.parse(undefined);

/** Share of rows below the `low`/`medium` cut and below the `medium`/`high` cut. */
export const LABEL_QUANTILES = { low: 0.4, high: 0.8 } as const;

type CellParser = (raw: string | null | undefined) => string | number | null;
const FIELD_PARSERS: Record<ListingField, CellParser> = {
  GrossSquareMeters: parseSquareMeters,
  NetSquareMeters: parseSquareMeters,
  BuildingAge: parseBuildingAge,
  NumberOfRooms: parseNumberOfRooms,
  district: normalizeDistrict,
  HeatingType: parseText,
  StructureType: parseText,
  FloorLocation: parseText,
  address: parseAddress,
  AdCreationDate: parseAdCreationDate,
  Subscription: parseText,
};

/** Why a cell could not be parsed (kept apart from values so it can be cached like one). */
class CellProblem {
  constructor(readonly reason: string) {}
}
type ParsedCell = string | number | null | CellProblem;
/** Distinct cells remembered per column; beyond this (free-text addresses) cells are parsed each time. */
const MAX_CACHED_CELLS = 50_000;

function parseCell(column: RawColumn, cell: string): ParsedCell {
  try {
    if (column === 'price') return parsePrice(cell);
    if (column === 'price_category') return parsePriceCategory(cell);
    return FIELD_PARSERS[column](cell);
  } catch (error) {
    if (error instanceof InvalidDataError) return new CellProblem(error.message);
    throw error;
  }
}

/** Header names are matched ignoring case, spaces and underscores (`Price Category` = `price_category`). */
function columnKey(name: string): string {
  return name.replace(/[\s_-]+/g, '').toLowerCase();
}
const COLUMN_BY_KEY = new Map<string, RawColumn>(RAW_COLUMNS.map((c) => [columnKey(c), c]));

/**
 * Quantile of sorted values by linear interpolation between order statistics
 * (numpy's default, "type 7"), the same cut points pandas computes.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new InvalidArgumentError('quantile of an empty set');
  const position = (n - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, n - 1);
  const lower = sorted[below] as number;
  return lower + ((sorted[above] as number) - lower) * (position - below);
}

/**
 * The label of a price given the two cut points. Ties go to the lower class:
 * a price exactly at the 40th percentile is `low`, exactly at the 80th
 * `medium`, as pandas' `qcut` (right-closed bins) does. Portal prices are often
 * round numbers, so ties at a cut point are common enough to matter.
 */
export function priceCategoryOf(price: number, thresholds: { low: number; high: number }): PriceCategory {
  if (price <= thresholds.low) return 'low';
  if (price <= thresholds.high) return 'medium';
  return 'high';
}

/** Cut points for labelling from prices: the 40th and 80th percentiles. */
export function priceThresholdsOf(prices: readonly number[] | Float64Array): { low: number; high: number } {
  const sorted = Float64Array.from(prices).sort();
  return {
    low: quantileSorted(sorted, LABEL_QUANTILES.low),
    high: quantileSorted(sorted, LABEL_QUANTILES.high),
  };
}

/**
 * The cut points the labels of priced listings were made with, read back from the listings: `low` is
 * the highest `low` price and `high` the highest `medium` price, so priceCategoryOf gives every
 * priced listing its own label again. Null when some class has no priced listing or the labels
 * overlap in price (no pair of cut points reproduces them), e.g. labels from another scale.
 * Listings without a price (ground truth from feedback) are ignored.
 */
export function labelPriceThresholds(
  listings: Iterable<{ price: number | null; price_category: PriceCategory }>,
): { low: number; high: number } | null {
  const min = { low: Infinity, medium: Infinity, high: Infinity };
  const max = { low: -Infinity, medium: -Infinity, high: -Infinity };
  for (const { price, price_category: label } of listings) {
    if (price === null || !Number.isFinite(price)) continue;
    if (price < min[label]) min[label] = price;
    if (price > max[label]) max[label] = price;
  }
  if (![max.low, max.medium, min.high].every(Number.isFinite)) return null;
  if (!(max.low < min.medium && max.medium < min.high)) return null;
  return { low: max.low, high: max.medium };
}

function checkFraction(value: number | undefined): number {
  const fraction = value ?? DEFAULT_MAX_BAD_ROW_FRACTION;
  if (!(fraction >= 0 && fraction <= 1)) {
    throw new InvalidArgumentError(`maxBadRowFraction must be between 0 and 1, got ${String(value)}`);
  }
  return fraction;
}

function countNewlines(text: string): number {
  // CRLF, lone CR and lone LF each end one line (csv-parse's raw text of a CRLF record ends in a bare CR).
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 10) count++;
    else if (code === 13) {
      count++;
      if (text.charCodeAt(i + 1) === 10) i++;
    }
  }
  return count;
}

function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

interface CsvRecord {
  /** First line of the record in the file (1-based). */
  line: number;
  raw: string;
  record: string[];
}

type CsvParseError = { code?: string; message?: string } | undefined;
type CsvParseOutput = { raw: string; record: string[] };

/** Number of line breaks at the start of `raw` (blank lines csv-parse skipped before the record). */
function leadingBreaks(raw: string): number {
  const blank = raw.length - raw.replace(/^[\r\n]+/, '').length;
  return countNewlines(raw.slice(0, blank));
}

/**
 * Splits CSV text into records with their first line numbers. Malformed records
 * (a quote never closed) become bad rows.
 *
 * Line numbers are counted from each record's raw text, in file order:
 * csv-parse's own `info.lines` miscounts CRLF text inside quotes, and its
 * per-record info snapshot triples the parse time. The fast path counts over
 * the returned records; when a record was skipped (its raw text is not among
 * them), the text is parsed again with record and skip callbacks, which arrive
 * in file order.
 */
function readCsvRecords(body: string, file: string, badRows: BadRow[]): CsvRecord[] {
  const options = {
    raw: true,
    // A stray quote inside an unquoted field stays literal instead of derailing every following row.
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
  } as const;
  const parseText = (extra: object): CsvParseOutput[] => {
    try {
      return parse(body, { ...options, ...extra }) as unknown as CsvParseOutput[];
    } catch (error) {
      throw new InvalidDataError(`${file} is not a readable CSV file: ${(error as Error).message}`, {
        cause: error,
      });
    }
  };

  let skipped = false;
  const fast = parseText({ on_skip: () => void (skipped = true) });
  let line = 1;
  if (!skipped) {
    return fast.map(({ raw, record }) => {
      const first = line + leadingBreaks(raw);
      line += countNewlines(raw);
      return { line: first, raw, record };
    });
  }

  const records: CsvRecord[] = [];
  parseText({
    on_record: (output: CsvParseOutput) => {
      records.push({ line: line + leadingBreaks(output.raw), raw: output.raw, record: output.record });
      line += countNewlines(output.raw);
      return output;
    },
    on_skip: (error: CsvParseError, raw: string | undefined) => {
      const text = raw ?? '';
      const first = line + leadingBreaks(text);
      line += countNewlines(text);
      if (error?.code === 'CSV_QUOTE_NOT_CLOSED') {
        // The unclosed quote swallowed every following line: each is a lost row.
        text
          .replace(/^[\r\n]+/, '')
          .split(/\r\n|\r|\n/)
          .forEach((content, offset) => {
            if (content.trim() === '') return;
            badRows.push({
              file,
              line: first + offset,
              column: null,
              value: clip(content),
              reason: `inside a quoted field opened at line ${first} and never closed`,
            });
          });
      } else {
        badRows.push({
          file,
          line: first,
          column: null,
          value: clip(text.trim()),
          reason: `malformed CSV: ${error?.message ?? 'unreadable record'}`,
        });
      }
      return undefined;
    },
  });
  return records;
}

/**
 * Parses raw listings CSV text. Same result and errors as `loadRawListings`;
 * `file` names the source in messages (default `<text>`).
 */
export function parseRawListingsCsv(
  text: string,
  options: LoadRawListingsOptions & { file?: string } = {},
): RawListingsLoad {
  const file = options.file ?? '<text>';
  const maxBadRowFraction = checkFraction(options.maxBadRowFraction);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '')
    throw new InvalidDataError(`${file} is empty: expected a CSV header and listing rows`);

  const badRows: BadRow[] = [];
  const records = readCsvRecords(body, file, badRows);

  const header = records[0];
  if (header === undefined)
    throw new InvalidDataError(`${file} is empty: expected a CSV header and listing rows`);
  const headerLine = header.line;
  // Header-level problems (a broken first line) leave nothing to attribute rows to.
  const headerProblem = badRows.find((bad) => bad.line <= headerLine);
  if (headerProblem) throw new InvalidDataError(`${file}: unreadable header: ${headerProblem.reason}`);

  const columnAt: (RawColumn | null)[] = [];
  const columns: RawColumn[] = [];
  const ignoredColumns: string[] = [];
  header.record.forEach((name, index) => {
    const column = COLUMN_BY_KEY.get(columnKey(name)) ?? null;
    if (column !== null && columns.includes(column)) {
      throw new InvalidDataError(
        `${file}: column "${column}" appears twice in the header (column ${index + 1})`,
      );
    }
    columnAt.push(column);
    if (column === null) ignoredColumns.push(name);
    else columns.push(column);
  });
  const listingColumns = columns.filter((c): c is ListingField =>
    (LISTING_FIELDS as readonly string[]).includes(c),
  );
  if (listingColumns.length === 0) {
    throw new InvalidDataError(
      `${file} has no recognisable listing columns: expected some of ${LISTING_FIELDS.join(', ')}; ` +
        `the header reads ${JSON.stringify(clip(header.record.join(','), 160))}`,
    );
  }
  const hasLabel = columns.includes('price_category');
  const hasPrice = columns.includes('price');
  if (!hasLabel && !hasPrice) {
    throw new InvalidDataError(
      `${file} has neither a price_category nor a price column, so its listings cannot be labelled`,
    );
  }
  const missingColumns = LISTING_FIELDS.filter((f) => !columns.includes(f));

  // Parse every data row; rows whose label must come from the price wait for the cut points.
  const listings: LabelledListing[] = [];
  const unlabelled: { listing: LabelledListing; line: number }[] = [];
  const width = header.record.length;
  // Real files repeat a few hundred distinct cells per column, so each distinct cell is parsed once.
  const caches = columnAt.map(() => new Map<string, ParsedCell>());
  for (let r = 1; r < records.length; r++) {
    const { record, raw, line } = records[r] as CsvRecord;
    if (record.length !== width) {
      badRows.push({
        file,
        line,
        column: null,
        value: clip(raw.trim()),
        reason: `has ${record.length} fields, the header has ${width}`,
      });
      continue;
    }
    const listing: Omit<LabelledListing, 'price_category'> & { price_category: PriceCategory | null } = {
      ...EMPTY_LISTING,
      price_category: null,
      price: null,
    };
    const problems: { column: string; value: string; reason: string }[] = [];
    for (let c = 0; c < width; c++) {
      const column = columnAt[c];
      if (column === null || column === undefined) continue;
      const cell = record[c] as string;
      const cache = caches[c] as Map<string, ParsedCell>;
      let parsed = cache.get(cell);
      if (parsed === undefined) {
        parsed = parseCell(column, cell);
        if (cache.size < MAX_CACHED_CELLS) cache.set(cell, parsed);
      }
      if (parsed instanceof CellProblem) problems.push({ column, value: cell, reason: parsed.reason });
      else (listing as Record<string, unknown>)[column] = parsed;
    }
    const [first, ...others] = problems;
    if (first) {
      const more = others.length === 0 ? '' : ` (also bad: ${others.map((p) => p.column).join(', ')})`;
      badRows.push({ file, line, column: first.column, value: first.value, reason: first.reason + more });
      continue;
    }
    if (listing.price_category === null && listing.price === null) {
      badRows.push({
        file,
        line,
        column: hasLabel ? 'price_category' : 'price',
        value: null,
        reason:
          hasPrice && hasLabel
            ? 'has neither a price_category nor a price'
            : `has no ${hasLabel ? 'price_category' : 'price'}`,
      });
      continue;
    }
    const labelled = listing as LabelledListing;
    listings.push(labelled);
    if (listing.price_category === null) unlabelled.push({ listing: labelled, line });
  }

  const rowCount = listings.length + badRows.length;
  if (rowCount === 0) throw new InvalidDataError(`${file} has a header but no listing rows`);
  badRows.sort((a, b) => a.line - b.line);
  if (badRows.length > maxBadRowFraction * rowCount || listings.length === 0) {
    const share = ((100 * badRows.length) / rowCount).toFixed(1);
    const examples = badRows
      .slice(0, 5)
      .map(
        (bad) =>
          `  line ${bad.line}${bad.column === null ? '' : `, column ${bad.column}`}` +
          `${bad.value === null ? '' : `, value ${JSON.stringify(clip(bad.value, 60))}`}: ${bad.reason}`,
      )
      .join('\n');
    throw new InvalidDataError(
      `${file}: ${badRows.length} of ${rowCount} listing rows (${share} %) could not be used, more than the ` +
        `allowed ${(100 * maxBadRowFraction).toFixed(1)} % (MAX_BAD_ROW_FRACTION); first problems:\n${examples}`,
    );
  }

  let priceThresholds: { low: number; high: number } | null = null;
  if (unlabelled.length > 0) {
    const prices = listings.flatMap((l) => (l.price === null ? [] : [l.price]));
    priceThresholds = priceThresholdsOf(prices);
    for (const { listing } of unlabelled) {
      listing.price_category = priceCategoryOf(listing.price as number, priceThresholds);
    }
  }

  return {
    file,
    listings,
    badRows,
    rowCount,
    columns,
    missingColumns,
    ignoredColumns,
    labelSource: hasLabel ? 'price_category' : 'price',
    priceThresholds,
  };
}

/** Bytes examined for binary content: NUL bytes do not occur in CSV text. */
const SNIFF_BYTES = 8192;

/**
 * Loads a listings CSV in the portal's raw form and labels it.
 *
 * - Recognised columns: the 11 listing fields, `price`, `price_category`
 *   (header matched ignoring case, spaces and underscores); others are ignored.
 *   Missing columns and empty cells become null.
 * - Labels: the `price_category` column when present; a row without one is
 *   labelled from its `price` by the file's 40th/80th price percentiles
 *   (see priceCategoryOf for ties). A row with neither is a bad row.
 * - A row with an unparseable cell or the wrong number of fields is left out
 *   and reported in `badRows` (file, line, column, value, reason). The load
 *   fails with InvalidDataError only when bad rows exceed `maxBadRowFraction`.
 * - A missing, empty, binary or non-UTF-8 file, a file without listing columns,
 *   or one without a label source fails with InvalidDataError naming the file.
 */
export async function loadRawListings(
  path: string,
  options: LoadRawListingsOptions = {},
): Promise<RawListingsLoad> {
  checkFraction(options.maxBadRowFraction);
  let bytes: Buffer;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new InvalidDataError(`${path} is a directory, expected a CSV file`);
    bytes = await readFile(path);
  } catch (error) {
    if (error instanceof InvalidDataError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (error as Error).message})`;
    throw new InvalidDataError(`${path} ${problem}`, { cause: error });
  }
  if (bytes.length === 0)
    throw new InvalidDataError(`${path} is empty: expected a CSV header and listing rows`);
  if (bytes.subarray(0, SNIFF_BYTES).includes(0)) {
    throw new InvalidDataError(`${path} is not a CSV text file: it contains binary data (NUL bytes)`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new InvalidDataError(`${path} is not a CSV text file: it is not valid UTF-8 text`, {
      cause: error,
    });
  }
  return parseRawListingsCsv(text, { ...options, file: path });
}

/** RFC 4180 quoting: only cells with a comma, quote, line break or edge spaces are quoted. */
function csvCell(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (/[",\r\n]/.test(value) || value !== value.trim()) return `"${value.replace(/"/g, '""')}"`;
  return value;
}

/**
 * Writes raw rows as CSV text (header line, `\n` line ends, RFC 4180 quoting,
 * null/absent -> empty cell). Columns: `columns` when given, else every raw
 * column that any row has, in RAW_COLUMNS order.
 */
export function formatRawListingsCsv(rows: readonly RawListingRow[], columns?: readonly RawColumn[]): string {
  const used = columns ?? RAW_COLUMNS.filter((column) => rows.some((row) => row[column] !== undefined));
  const lines = [used.join(',')];
  for (const row of rows) lines.push(used.map((column) => csvCell(row[column])).join(','));
  return `${lines.join('\n')}\n`;
}

/** Writes raw rows as a CSV file (see formatRawListingsCsv), creating missing folders. */
export async function writeRawListingsCsv(
  path: string,
  rows: readonly RawListingRow[],
  columns?: readonly RawColumn[],
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, formatRawListingsCsv(rows, columns), 'utf8');
}

/** Listings per price category; every category is present (0 when absent). */
export function countLabels(
  listings: readonly { price_category: PriceCategory }[],
): Record<PriceCategory, number> {
  const counts = Object.fromEntries(PRICE_CATEGORIES.map((c) => [c, 0])) as Record<PriceCategory, number>;
  for (const listing of listings) counts[listing.price_category] += 1;
  return counts;
}
