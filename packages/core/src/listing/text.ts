/**
 * Text folding for comparing spellings of one word: the raw-format parsers
 * match month names, age buckets and districts on folded text, and the
 * feature pipeline and the listing memory match categories by their
 * normalised spelling, so `Kadıköy`, `KADIKÖY` and `kadikoy` are one value.
 */

/**
 * Lower-cases and strips Turkish diacritics so that spelling variants compare
 * equal: `Şubat`, `ŞUBAT`, `subat` -> `subat`; `Mayıs`, `MAYIS`, `Mayis` -> `mayis`.
 * Dotless ı and dotted İ both become i (İ lower-cases to i + U+0307, whose mark is stripped).
 */
export function foldTurkish(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ı/g, 'i');
}

/**
 * The spelling categories are matched by when the exact one is unknown: Turkish
 * letters folded to ASCII, lower case, spaces and punctuation dropped, so
 * `"KADIKÖY"`, `"Kadıköy"` and `"kadikoy"`, or `"Kombi Doğalgaz"` and
 * `"kombi dogalgaz"`, are one category.
 */
export function normaliseCategory(value: string): string {
  return foldTurkish(value.normalize('NFC')).replace(/[\s\-'’.,_()]+/g, '');
}
