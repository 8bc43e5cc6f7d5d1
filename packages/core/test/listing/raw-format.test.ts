import { describe, expect, it } from 'vitest';
import { InvalidDataError } from '../../src/errors.js';
import {
  formatAddressList,
  formatBuildingAge,
  formatNumberOfRooms,
  formatPrice,
  formatSquareMeters,
  formatTurkishDate,
  normalizeDistrict,
  parseAddress,
  parseAdCreationDate,
  parseBuildingAge,
  parseLocalizedNumber,
  parseNumberOfRooms,
  parsePrice,
  parsePriceCategory,
  parseSquareMeters,
  parseText,
  TURKISH_MONTHS,
} from '../../src/listing/raw-format.js';

const MISSING = ['', '   ', 'NaN', 'nan', 'None', 'null', null, undefined];

describe('parseSquareMeters', () => {
  it.each([
    ['135 m2', 135],
    ['110 m2', 110],
    ['1.250 m2', 1250],
    ['12.000 m2', 12000],
    ['1,250 m2', 1250],
    ['52300 m2', 52300],
    ['135', 135],
    ['100.0', 100],
    ['135,5 m2', 135.5],
    ['1.250,5 m2', 1250.5],
    ['135m2', 135],
    ['135 M2', 135],
    ['135 m²', 135],
    ['  90 m2 ', 90],
    ['0 m2', 0],
  ])('%j -> %d', (raw, expected) => {
    expect(parseSquareMeters(raw)).toBe(expected);
  });

  it.each(MISSING)('missing %j -> null', (raw) => {
    expect(parseSquareMeters(raw)).toBeNull();
  });

  it('regression: never keeps the 2 of "m2" (the old pipeline read "135 m2" as 1352)', () => {
    expect(parseSquareMeters('135 m2')).not.toBe(1352);
    expect(parseSquareMeters('135 m2')).toBe(135);
    expect(parseSquareMeters('90 m2')).toBe(90);
  });

  it.each(['abc', '-5 m2', '135 m3', 'm2', '1.2.3 m2', '12 34 m2'])('rejects %j naming the value', (raw) => {
    expect(() => parseSquareMeters(raw)).toThrow(InvalidDataError);
    expect(() => parseSquareMeters(raw)).toThrow(`got ${JSON.stringify(raw)}`);
  });
});

describe('parseLocalizedNumber', () => {
  it.each([
    ['3,100,000', 3100000],
    ['3.100.000', 3100000],
    ['3,100,000.50', 3100000.5],
    ['3.100.000,50', 3100000.5],
    ['12.5', 12.5],
    ['12,5', 12.5],
    ['42', 42],
  ])('%j -> %d', (text, expected) => {
    expect(parseLocalizedNumber(text)).toBe(expected);
  });

  it.each(['', '1,2,3', '1.2.3', '1,000.000.5', 'x1', '1.000,00,0'])('%j -> NaN', (text) => {
    expect(parseLocalizedNumber(text)).toBeNaN();
  });
});

describe('parseBuildingAge', () => {
  it.each([
    ['0', 0],
    ['1', 1],
    ['2', 2],
    ['3', 3],
    ['4', 4],
    ['5-10', 7.5],
    ['11-15', 13],
    ['16-20', 18],
    ['5 - 10', 7.5],
    ['21 Ve Üzeri', 25],
    ['21 ve üzeri', 25],
    ['21 VE ÜZERİ', 25],
    ['21 Ve Uzeri', 25],
    ['21+', 25],
    ['Sıfır Bina', 0],
    ['7', 7],
    ['10.0', 10],
  ])('%j -> %d', (raw, expected) => {
    expect(parseBuildingAge(raw)).toBe(expected);
  });

  it.each(MISSING)('missing %j -> null', (raw) => {
    expect(parseBuildingAge(raw)).toBeNull();
  });

  it('regression: a range is a midpoint, never its digits glued (the old pipeline read "5-10" as 510)', () => {
    expect(parseBuildingAge('5-10')).not.toBe(510);
    expect(parseBuildingAge('11-15')).not.toBe(1115);
    expect(parseBuildingAge('16-20')).toBe(18);
  });

  it('puts the open bucket above every closed bucket', () => {
    expect(parseBuildingAge('21 Ve Üzeri')).toBeGreaterThanOrEqual(21);
    expect(parseBuildingAge('21 Ve Üzeri')!).toBeGreaterThan(parseBuildingAge('16-20')!);
  });

  it.each(['old', '10-5', '-3', '5-10-15', 'Ve Üzeri'])('rejects %j', (raw) => {
    expect(() => parseBuildingAge(raw)).toThrow(/expected a building age/);
  });
});

describe('parseNumberOfRooms', () => {
  it.each([
    ['1+1', 1],
    ['2+1', 2],
    ['3+1', 3],
    ['8+1', 8],
    ['3+2', 3],
    ['1.5+1', 1.5],
    ['2.5+1', 2.5],
    ['4,5+1', 4.5],
    ['3 + 1', 3],
    ['Stüdyo', 1],
    ['stüdyo', 1],
    ['STÜDYO', 1],
    ['Studyo', 1],
    ['Stüdyo (1+0)', 1],
    ['1+0', 1],
    ['10 Üzeri', 10],
    ['10 Ve Üzeri', 10],
    ['10+', 10],
    ['3', 3],
  ])('%j -> %d', (raw, expected) => {
    expect(parseNumberOfRooms(raw)).toBe(expected);
  });

  it.each(MISSING)('missing %j -> null', (raw) => {
    expect(parseNumberOfRooms(raw)).toBeNull();
  });

  it('regression: never reads "3+1" as 31 or 4', () => {
    expect(parseNumberOfRooms('3+1')).toBe(3);
  });

  it.each(['many', '+1', '3++1', 'three+one'])('rejects %j', (raw) => {
    expect(() => parseNumberOfRooms(raw)).toThrow(/expected rooms/);
  });
});

describe('parseAdCreationDate', () => {
  it.each(TURKISH_MONTHS.map((name, i) => [name, String(i + 1).padStart(2, '0')]))(
    'reads month %s as %s',
    (name, month) => {
      expect(parseAdCreationDate(`24 ${name} 2022`)).toBe(`2022-${month}`);
      expect(parseAdCreationDate(`1 ${name.toUpperCase()} 2021`)).toBe(`2021-${month}`);
      expect(parseAdCreationDate(`15 ${name.toLowerCase()} 2023`)).toBe(`2023-${month}`);
    },
  );

  it.each([
    ['24 Şubat 2022', '2022-02'],
    ['24 Subat 2022', '2022-02'],
    ['3 Mayis 2022', '2022-05'],
    ['3 MAYIS 2022', '2022-05'],
    ['3 MAYİS 2022', '2022-05'],
    ['9 Kasim 2022', '2022-11'],
    ['31 Aralik 2022', '2022-12'],
    ['31 ARALIK 2022', '2022-12'],
    ['12 Agustos 2022', '2022-08'],
    ['12 Eylul 2022', '2022-09'],
    ['Şubat 2022', '2022-02'],
    ['24 Şub 2022', '2022-02'],
    ['24 Şub. 2022', '2022-02'],
    ['24 Şubat 2022 Perşembe', '2022-02'],
    ['  24  Şubat   2022 ', '2022-02'],
    ['2022-02-24', '2022-02'],
    ['2022-2-4', '2022-02'],
    ['2022-02', '2022-02'],
    ['2022-02-24T10:15:00Z', '2022-02'],
    ['2022-02-24 10:15:00', '2022-02'],
    ['2024-01-01', '2024-01'],
    ['24.02.2022', '2022-02'],
    ['24/02/2022', '2022-02'],
  ])('%j -> %s', (raw, expected) => {
    expect(parseAdCreationDate(raw)).toBe(expected);
  });

  it('accepts decomposed (NFD) Turkish letters', () => {
    expect(parseAdCreationDate('24 Şubat 2022'.normalize('NFD'))).toBe('2022-02');
  });

  it.each(MISSING)('missing %j -> null', (raw) => {
    expect(parseAdCreationDate(raw)).toBeNull();
  });

  it.each(['24 Febrary 2022', '2022-13-01', '32 Ocak 2022', 'yesterday', '24 Şubat', '24 Şubat 2022 Monday'])(
    'rejects %j',
    (raw) => {
      expect(() => parseAdCreationDate(raw)).toThrow(/expected a date/);
    },
  );
});

describe('parseAddress', () => {
  it.each([
    [
      "['Anasayfa', 'Satılık Daire', 'İstanbul Satılık Daire']",
      'Anasayfa > Satılık Daire > İstanbul Satılık Daire',
    ],
    [
      "['Anasayfa', 'Satılık Daire', 'İstanbul Satılık Daire', 'Kadıköy Satılık Daire', 'Moda Mh. Satılık Daire']",
      'Anasayfa > Satılık Daire > İstanbul Satılık Daire > Kadıköy Satılık Daire > Moda Mh. Satılık Daire',
    ],
    ['["Anasayfa", "Satılık Daire"]', 'Anasayfa > Satılık Daire'],
    [`['Anasayfa', "Kadıköy'de Satılık Daire"]`, "Anasayfa > Kadıköy'de Satılık Daire"],
    ["['Anasayfa', 'Kadıköy\\'de Daire']", "Anasayfa > Kadıköy'de Daire"],
    ["['Anasayfa', 'Caddebostan, Kadıköy']", 'Anasayfa > Caddebostan, Kadıköy'],
    ["['Anasayfa', 'Satılık Daire',]", 'Anasayfa > Satılık Daire'],
    ["['Anasayfa', '', '  Satılık Daire ']", 'Anasayfa > Satılık Daire'],
    ['[Anasayfa, Satılık Daire]', 'Anasayfa > Satılık Daire'],
    ['123 Main St', '123 Main St'],
    ['  Moda Mh., Kadıköy  ', 'Moda Mh., Kadıköy'],
  ])('%j -> %j', (raw, expected) => {
    expect(parseAddress(raw)).toBe(expected);
  });

  it.each([...MISSING, '[]', "['', ' ']"])('missing %j -> null', (raw) => {
    expect(parseAddress(raw)).toBeNull();
  });

  it.each([
    ["['Anasayfa', 'Satılık", /unclosed quote/],
    ["['Anasayfa', 'Satılık Daire'", /missing closing/],
    ["['Anasayfa' 'Satılık Daire']", /expected "," or "\]"/],
    ["['Anasayfa'] extra", /unexpected text/],
  ])('rejects %j with the problem', (raw, problem) => {
    expect(() => parseAddress(raw)).toThrow(problem);
  });

  it('round-trips what formatAddressList writes, including quotes and commas', () => {
    const parts = ['Anasayfa', "Kadıköy'de", 'a "b"', 'it\'s "both"', 'x, y', 'back\\slash'];
    expect(parseAddress(formatAddressList(parts))).toBe(parts.join(' > '));
  });
});

describe('parsePrice', () => {
  it.each([
    ['3,100,000 TL', 3100000],
    ['3.100.000 TL', 3100000],
    ['3100000', 3100000],
    ['3100000 TL', 3100000],
    ['₺3,100,000', 3100000],
    ['3,100,000 ₺', 3100000],
    ['TL 950.000', 950000],
    ['1,250,000.50 TL', 1250000.5],
    ['750,000 tl', 750000],
  ])('%j -> %d', (raw, expected) => {
    expect(parsePrice(raw)).toBe(expected);
  });

  it.each(MISSING)('missing %j -> null', (raw) => {
    expect(parsePrice(raw)).toBeNull();
  });

  it.each(['0 TL', 'free', '3,100,000 USD', '-5 TL', 'TL'])('rejects %j', (raw) => {
    expect(() => parsePrice(raw)).toThrow(/expected a positive price/);
  });
});

describe('parsePriceCategory', () => {
  it.each([
    ['low', 'low'],
    ['medium', 'medium'],
    ['high', 'high'],
    [' High ', 'high'],
  ])('%j -> %s', (raw, expected) => {
    expect(parsePriceCategory(raw)).toBe(expected);
  });

  it('rejects other labels naming the allowed ones', () => {
    expect(() => parsePriceCategory('expensive')).toThrow(
      'expected one of low, medium, high, got "expensive"',
    );
  });
});

describe('normalizeDistrict and parseText', () => {
  it.each([
    ['kadikoy', 'kadikoy'],
    ['Kadıköy', 'kadikoy'],
    ['KADIKÖY', 'kadikoy'],
    ['Eyüp Sultan', 'eyupsultan'],
    ['Büyükçekmece', 'buyukcekmece'],
    ['Şile', 'sile'],
    ['Çatalca', 'catalca'],
  ])('district %j -> %s', (raw, expected) => {
    expect(normalizeDistrict(raw)).toBe(expected);
  });

  it('trims text, collapses spaces and composes decomposed letters', () => {
    expect(parseText('  Kombi   Doğalgaz ')).toBe('Kombi Doğalgaz');
    expect(parseText('Kombi Doğalgaz'.normalize('NFD'))).toBe('Kombi Doğalgaz');
    expect(parseText('')).toBeNull();
  });
});

describe('formatters write the portal forms that the parsers read back', () => {
  it.each([
    [135, '135 m2'],
    [1250, '1250 m2'],
    [89.6, '90 m2'],
  ])('area %d -> %j', (value, raw) => {
    expect(formatSquareMeters(value)).toBe(raw);
    expect(parseSquareMeters(raw)).toBe(Math.round(value));
  });

  it.each([
    [0, '0'],
    [4, '4'],
    [5, '5-10'],
    [10, '5-10'],
    [11, '11-15'],
    [20, '16-20'],
    [21, '21 Ve Üzeri'],
    [60, '21 Ve Üzeri'],
  ])('age %d -> %j', (years, raw) => {
    expect(formatBuildingAge(years)).toBe(raw);
    expect(parseBuildingAge(raw)).not.toBeNull();
  });

  it('rooms, dates and prices', () => {
    expect(formatNumberOfRooms(2.5)).toBe('2.5+1');
    expect(parseNumberOfRooms(formatNumberOfRooms(2.5))).toBe(2.5);
    expect(formatTurkishDate(2022, 2, 24)).toBe('24 Şubat 2022');
    expect(parseAdCreationDate(formatTurkishDate(2022, 8, 1))).toBe('2022-08');
    expect(formatPrice(3100000)).toBe('3,100,000 TL');
    expect(formatPrice(950000)).toBe('950,000 TL');
    expect(formatPrice(999)).toBe('999 TL');
    expect(parsePrice(formatPrice(12345678))).toBe(12345678);
  });
});
