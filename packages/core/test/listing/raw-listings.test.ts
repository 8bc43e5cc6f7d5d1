import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config.js';
import { InvalidDataError } from '../../src/errors.js';
import {
  DEFAULT_MAX_BAD_ROW_FRACTION,
  formatRawListingsCsv,
  loadRawListings,
  parseRawListingsCsv,
  priceCategoryOf,
  priceThresholdsOf,
  labelPriceThresholds,
  quantileSorted,
  type RawListingRow,
  writeRawListingsCsv,
} from '../../src/listing/raw-listings.js';

const FULL_HEADER =
  'GrossSquareMeters,NetSquareMeters,BuildingAge,NumberOfRooms,district,HeatingType,StructureType,' +
  'FloorLocation,address,AdCreationDate,Subscription,price,price_category';
const FULL_ROW =
  '135 m2,110 m2,21 Ve Üzeri,3+1,kadikoy,Merkezi Doğalgaz,Betonarme,6. Kat,' +
  `"['Anasayfa', 'Satılık Daire', 'İstanbul Satılık Daire', 'Kadıköy Satılık Daire']",` +
  '24 Şubat 2022,premium,"3,100,000 TL",high';

/** `n` rows of the real file's columns, each with a valid label. */
function realFormRows(n: number): string[] {
  return Array.from(
    { length: n },
    (_, i) => `${90 + i} m2,${75 + i} m2,5-10,2+1,maltepe,Kombi Doğalgaz,Betonarme,2. Kat,low`,
  );
}
const REAL_HEADER =
  'GrossSquareMeters,NetSquareMeters,BuildingAge,NumberOfRooms,district,HeatingType,StructureType,FloorLocation,price_category';

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'raw-listings-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('parseRawListingsCsv', () => {
  it('parses every raw form of a full portal row', () => {
    const load = parseRawListingsCsv(`${FULL_HEADER}\n${FULL_ROW}\n`);
    expect(load.badRows).toEqual([]);
    expect(load.listings).toEqual([
      {
        GrossSquareMeters: 135,
        NetSquareMeters: 110,
        BuildingAge: 25,
        NumberOfRooms: 3,
        district: 'kadikoy',
        HeatingType: 'Merkezi Doğalgaz',
        StructureType: 'Betonarme',
        FloorLocation: '6. Kat',
        address: 'Anasayfa > Satılık Daire > İstanbul Satılık Daire > Kadıköy Satılık Daire',
        AdCreationDate: '2022-02',
        Subscription: 'premium',
        price: 3100000,
        price_category: 'high',
      },
    ]);
    expect(load.missingColumns).toEqual([]);
    expect(load.labelSource).toBe('price_category');
    expect(load.priceThresholds).toBeNull();
  });

  it('treats missing columns and empty cells as missing values, not errors', () => {
    const text = `${REAL_HEADER}\n135 m2,,5-10,3+1,kadikoy,,Betonarme,6. Kat,medium\n`;
    const load = parseRawListingsCsv(text);
    expect(load.badRows).toEqual([]);
    expect(load.missingColumns).toEqual(['address', 'AdCreationDate', 'Subscription']);
    const [listing] = load.listings;
    expect(listing?.NetSquareMeters).toBeNull();
    expect(listing?.HeatingType).toBeNull();
    expect(listing?.address).toBeNull();
    expect(listing?.Subscription).toBeNull();
    expect(listing?.price).toBeNull();
    expect(listing?.GrossSquareMeters).toBe(135);
  });

  it('matches header names ignoring case and separators and ignores unknown columns', () => {
    const text = ',GROSSSQUAREMETERS,District,Price Category\n0,100 m2,Kadıköy,low\n';
    const load = parseRawListingsCsv(text);
    expect(load.columns).toEqual(['GrossSquareMeters', 'district', 'price_category']);
    expect(load.ignoredColumns).toEqual(['']);
    expect(load.listings[0]).toMatchObject({
      GrossSquareMeters: 100,
      district: 'kadikoy',
      price_category: 'low',
    });
  });

  it('labels from the price by the 40th and 80th percentiles when there is no price_category column', () => {
    // Prices 1..10 (x 100,000 TL): type-7 quantiles are 4.6 and 8.2, so 4 low, 4 medium, 2 high.
    const rows = Array.from({ length: 10 }, (_, i) => `kadikoy,${(i + 1) * 100_000} TL`);
    const load = parseRawListingsCsv(`district,price\n${rows.join('\n')}\n`);
    expect(load.labelSource).toBe('price');
    expect(load.priceThresholds).toEqual({ low: 460000, high: 820000 });
    expect(load.listings.map((l) => l.price_category)).toEqual([
      'low',
      'low',
      'low',
      'low',
      'medium',
      'medium',
      'medium',
      'medium',
      'high',
      'high',
    ]);
  });

  it('gives prices tied with a cut point the lower label, as pandas qcut does', () => {
    // Sorted prices 1,2,2,2,2,3,3,3,3,4: the 40th percentile is exactly 2 and the 80th exactly 3.
    const prices = [2, 1, 2, 3, 2, 3, 4, 2, 3, 3];
    const thresholds = priceThresholdsOf(prices);
    expect(thresholds).toEqual({ low: 2, high: 3 });
    expect(priceCategoryOf(2, thresholds)).toBe('low');
    expect(priceCategoryOf(3, thresholds)).toBe('medium');
    expect(priceCategoryOf(3.5, thresholds)).toBe('high');
  });

  it('computes type-7 quantiles (numpy default), checked by hand', () => {
    const sorted = Float64Array.from([10, 20, 30, 40]);
    // position (n-1)q: q=0.4 -> 1.2 -> 20 + 0.2*10 = 22; q=0.8 -> 2.4 -> 30 + 0.4*10 = 34
    expect(quantileSorted(sorted, 0.4)).toBeCloseTo(22, 10);
    expect(quantileSorted(sorted, 0.8)).toBeCloseTo(34, 10);
    expect(quantileSorted(sorted, 0)).toBe(10);
    expect(quantileSorted(sorted, 1)).toBe(40);
  });

  it('uses the label column where present and the price where a label cell is empty', () => {
    // Cut points over all three prices: 180 and 260 (type 7), so the unlabelled 200 TL row is medium.
    const text = 'district,price,price_category\na,100 TL,high\nb,200 TL,\nc,300 TL,low\n';
    const load = parseRawListingsCsv(text);
    expect(load.labelSource).toBe('price_category');
    expect(load.listings.map((l) => l.price_category)).toEqual(['high', 'medium', 'low']);
    expect(load.priceThresholds).not.toBeNull();
  });

  it('reports each unusable row with file, line, column, value and reason, and keeps the rest', () => {
    const rows = realFormRows(30);
    rows[3] = '135 m2,110 m2,five,3+1,kadikoy,Kombi Doğalgaz,Betonarme,1. Kat,low';
    rows[7] = '135 m2,110 m2,0,3+1,kadikoy,Kombi Doğalgaz,Betonarme,1. Kat,expensive';
    rows[9] = '135 m2,110 m2,0,3+1,kadikoy,Kombi Doğalgaz,Betonarme,1. Kat,';
    const load = parseRawListingsCsv(`${REAL_HEADER}\n${rows.join('\n')}\n`, {
      file: 'sample.csv',
      maxBadRowFraction: 0.2,
    });
    expect(load.rowCount).toBe(30);
    expect(load.listings).toHaveLength(27);
    expect(load.badRows).toEqual([
      {
        file: 'sample.csv',
        line: 5,
        column: 'BuildingAge',
        value: 'five',
        reason: 'expected a building age such as "3", "5-10" or "21 Ve Üzeri", got "five"',
      },
      {
        file: 'sample.csv',
        line: 9,
        column: 'price_category',
        value: 'expensive',
        reason: 'expected one of low, medium, high, got "expensive"',
      },
      {
        file: 'sample.csv',
        line: 11,
        column: 'price_category',
        value: null,
        reason: 'has no price_category',
      },
    ]);
  });

  it('names every bad cell of a row in one report', () => {
    const text = `${REAL_HEADER}\nbig,small,0,3+1,kadikoy,Kombi Doğalgaz,Betonarme,1. Kat,low\n${realFormRows(30).join('\n')}`;
    const [bad] = parseRawListingsCsv(text, { maxBadRowFraction: 0.1 }).badRows;
    expect(bad?.column).toBe('GrossSquareMeters');
    expect(bad?.reason).toMatch(/also bad: NetSquareMeters/);
  });

  it('counts lines through blank lines and quoted line breaks', () => {
    const text =
      'district,address,price_category\n' +
      '\n' +
      'kadikoy,"Moda\nCaddesi",low\n' +
      'kadikoy,"[\'Anasayfa\'",low\n' +
      'sisli,Nişantaşı,bad\n';
    const load = parseRawListingsCsv(text, { maxBadRowFraction: 1 });
    expect(load.listings[0]?.address).toBe('Moda\nCaddesi');
    expect(load.badRows.map((b) => [b.line, b.column])).toEqual([
      [5, 'address'],
      [6, 'price_category'],
    ]);
  });

  it('reports rows with the wrong number of fields and stray quotes without losing later rows', () => {
    const rows = realFormRows(40);
    rows[2] = '100 m2,80 m2,0';
    rows[5] = '100 m2,"80" m2,0,2+1,maltepe,Kombi Doğalgaz,Betonarme,2. Kat,low';
    const load = parseRawListingsCsv(`${REAL_HEADER}\n${rows.join('\n')}\n`);
    expect(load.listings).toHaveLength(38);
    expect(load.badRows.map((b) => b.line)).toEqual([4, 7]);
    expect(load.badRows[0]?.reason).toBe('has 3 fields, the header has 9');
    expect(load.badRows[1]).toMatchObject({ column: 'NetSquareMeters', value: '"80" m2' });
  });

  it('reports the lines swallowed by a quote that is never closed', () => {
    const rows = realFormRows(60);
    rows[57] = '100 m2,80 m2,0,2+1,"maltepe,Kombi Doğalgaz,Betonarme,2. Kat,low';
    const load = parseRawListingsCsv(`${REAL_HEADER}\n${rows.join('\n')}\n`);
    expect(load.listings).toHaveLength(57);
    expect(load.badRows.map((b) => b.line)).toEqual([59, 60, 61]);
    expect(load.badRows[1]?.reason).toBe('inside a quoted field opened at line 59 and never closed');
  });

  it('keeps line numbers right in CRLF files that need the slow path (an unclosed quote)', () => {
    const rows = realFormRows(60);
    rows[3] = rows[3]!.replace('5-10', 'old');
    rows[59] = '100 m2,80 m2,0,2+1,"maltepe,Kombi Doğalgaz,Betonarme,2. Kat,low';
    const load = parseRawListingsCsv(`${REAL_HEADER}\r\n${rows.join('\r\n')}\r\n`);
    expect(load.badRows.map((b) => [b.line, b.column])).toEqual([
      [5, 'BuildingAge'],
      [61, null],
    ]);
  });

  it('fails naming the file, the share and the first problems when too many rows are bad', () => {
    const rows = realFormRows(20);
    rows[0] = rows[0]!.replace('5-10', '5-10-15');
    rows[1] = rows[1]!.replace('2+1', 'two');
    const text = `${REAL_HEADER}\n${rows.join('\n')}\n`;
    const load = () => parseRawListingsCsv(text, { file: 'listings.csv' });
    expect(load).toThrow(InvalidDataError);
    expect(load).toThrow(/^listings\.csv: 2 of 20 listing rows \(10\.0 %\) could not be used/);
    expect(load).toThrow(/allowed 5\.0 % \(MAX_BAD_ROW_FRACTION\)/);
    expect(load).toThrow(/line 2, column BuildingAge, value "5-10-15"/);
    expect(load).toThrow(/line 3, column NumberOfRooms, value "two"/);
    expect(parseRawListingsCsv(text, { maxBadRowFraction: 0.1 }).badRows).toHaveLength(2);
  });

  it('takes its default bad-row threshold from the config schema', () => {
    expect(DEFAULT_MAX_BAD_ROW_FRACTION).toBe(0.05);
    expect(DEFAULT_MAX_BAD_ROW_FRACTION).toBe(configSchema.parse({}).MAX_BAD_ROW_FRACTION);
    expect(() => parseRawListingsCsv(`${REAL_HEADER}\n`, { maxBadRowFraction: 2 })).toThrow(
      /maxBadRowFraction must be between 0 and 1, got 2/,
    );
  });

  it.each([
    ['', /x\.csv is empty/],
    ['  \n\n', /x\.csv is empty/],
    [`${REAL_HEADER}\n`, /x\.csv has a header but no listing rows/],
    [
      '{"listings": [1, 2, 3]}\n',
      /x\.csv has no recognisable listing columns: expected some of GrossSquareMeters/,
    ],
    ['name,age\nAli,3\n', /header reads "name,age"/],
    [
      'district,GrossSquareMeters\nkadikoy,100 m2\n',
      /x\.csv has neither a price_category nor a price column/,
    ],
    ['district,District,price\na,b,1\n', /column "district" appears twice/],
  ])('rejects bad content %j with a message naming the file and problem', (text, message) => {
    expect(() => parseRawListingsCsv(text, { file: 'x.csv' })).toThrow(message);
  });
});

describe('loadRawListings', () => {
  it('loads a file from disk and names it in the result and in bad rows', async () => {
    const path = join(folder, 'good.csv');
    const rows = realFormRows(50);
    rows[10] = rows[10]!.replace('90 m2'.replace('90', '100'), '100 m3');
    await writeFile(path, `\uFEFF${REAL_HEADER}\r\n${rows.join('\r\n')}\r\n`);
    const load = await loadRawListings(path);
    expect(load.file).toBe(path);
    expect(load.listings).toHaveLength(49);
    expect(load.badRows).toEqual([
      expect.objectContaining({ file: path, line: 12, column: 'GrossSquareMeters', value: '100 m3' }),
    ]);
  });

  it.each([
    ['missing.csv', null, /missing\.csv does not exist/],
    ['empty.csv', Buffer.alloc(0), /empty\.csv is empty/],
    [
      'image.png',
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
      /image\.png is not a CSV text file: it contains binary data/,
    ],
    [
      'latin1.csv',
      Buffer.from('district,price\nKad\xfdk\xf6y,5\n', 'latin1'),
      /latin1\.csv is not a CSV text file: it is not valid UTF-8/,
    ],
    [
      'notes.txt',
      Buffer.from('just some notes\nabout flats\n'),
      /notes\.txt has no recognisable listing columns/,
    ],
  ])('rejects %s with InvalidDataError naming the file and problem', async (name, content, message) => {
    const path = join(folder, name);
    if (content !== null) await writeFile(path, content);
    await expect(loadRawListings(path)).rejects.toThrow(InvalidDataError);
    await expect(loadRawListings(path)).rejects.toThrow(message);
  });

  it('rejects a directory', async () => {
    const path = join(folder, 'a-folder.csv');
    await mkdir(path, { recursive: true });
    await expect(loadRawListings(path)).rejects.toThrow(/a-folder\.csv is a directory, expected a CSV file/);
  });
});

describe('formatRawListingsCsv and writeRawListingsCsv', () => {
  const rows: RawListingRow[] = [
    {
      GrossSquareMeters: '135 m2',
      NetSquareMeters: '110 m2',
      BuildingAge: '5-10',
      NumberOfRooms: '3+1',
      district: 'kadikoy',
      HeatingType: 'Kombi Doğalgaz',
      StructureType: 'Betonarme',
      FloorLocation: '3. Kat',
      address: `['Anasayfa', "Kadıköy'de \\"özel\\"", 'a, b']`,
      AdCreationDate: '24 Şubat 2022',
      Subscription: 'premium',
      price: '3,100,000 TL',
      price_category: 'high',
    },
    { GrossSquareMeters: '90 m2', district: 'esenyurt', price: null, price_category: 'low' },
  ];

  it('quotes cells with commas and quotes so the loader reads the same values back', () => {
    const text = formatRawListingsCsv(rows);
    expect(text.split('\n')[0]).toBe(FULL_HEADER);
    const load = parseRawListingsCsv(text);
    expect(load.badRows).toEqual([]);
    expect(load.listings[0]).toMatchObject({
      GrossSquareMeters: 135,
      BuildingAge: 7.5,
      address: `Anasayfa > Kadıköy'de "özel" > a, b`,
      price: 3100000,
    });
    expect(load.listings[1]).toMatchObject({ GrossSquareMeters: 90, NetSquareMeters: null, price: null });
  });

  it('writes only the columns the rows have, or the ones asked for', () => {
    expect(formatRawListingsCsv([{ district: 'sisli', price_category: 'low' }])).toBe(
      'district,price_category\nsisli,low\n',
    );
    expect(formatRawListingsCsv([{ district: ' a ' }], ['price', 'district'])).toBe(
      'price,district\n," a "\n',
    );
  });

  it('creates missing folders when writing a file', async () => {
    const path = join(folder, 'deep', 'er', 'listings.csv');
    await writeRawListingsCsv(path, rows);
    expect(await readFile(path, 'utf8')).toBe(formatRawListingsCsv(rows));
  });
});

describe('labelPriceThresholds', () => {
  it('reads back the cut points the synthetic labels were made with, ignoring unpriced listings', async () => {
    const { generateRawListings, syntheticPriceThresholds } = await import('../../src/synthetic/index.js');
    const { listings } = parseRawListingsCsv(
      formatRawListingsCsv(generateRawListings({ rows: 3000, seed: 5 })),
      {
        file: 'synthetic.csv',
      },
    );
    const thresholds = labelPriceThresholds([...listings, { price: null, price_category: 'low' }]);
    expect(thresholds).not.toBeNull();
    for (const listing of listings) {
      expect(priceCategoryOf(listing.price as number, thresholds!)).toBe(listing.price_category);
    }
    const reference = syntheticPriceThresholds();
    expect(thresholds!.low).toBeLessThanOrEqual(reference.low);
    expect(thresholds!.high).toBeLessThanOrEqual(reference.high);
  });

  it('gives null when a class has no priced listing or the labels overlap in price', () => {
    expect(
      labelPriceThresholds([
        { price: 1, price_category: 'low' },
        { price: 2, price_category: 'medium' },
      ]),
    ).toBeNull();
    expect(
      labelPriceThresholds([
        { price: 5, price_category: 'low' },
        { price: 4, price_category: 'medium' },
        { price: 9, price_category: 'high' },
      ]),
    ).toBeNull();
    expect(
      labelPriceThresholds([
        { price: 1, price_category: 'low' },
        { price: 4, price_category: 'medium' },
        { price: 9, price_category: 'high' },
      ]),
    ).toEqual({ low: 1, high: 4 });
  });
});
