import { describe, expect, it } from 'vitest';
import { likeToGlob, parseFilter, parseOrderBy } from '../src/store/search-filter.js';
import { RegistryError } from '../src/errors.js';

describe('parseFilter', () => {
  it('reads typed comparisons joined by AND, case-insensitively', () => {
    expect(parseFilter('metrics.acc >= 0.9 and params.lr = \'0.01\' AND tags.team != "ml"')).toEqual([
      { type: 'metric', key: 'acc', op: '>=', value: 0.9 },
      { type: 'param', key: 'lr', op: '=', value: '0.01' },
      { type: 'tag', key: 'team', op: '!=', value: 'ml' },
    ]);
  });

  it('accepts singular and alternative type prefixes', () => {
    const types = parseFilter(
      "metric.a > 1 AND param.b = 'x' AND tag.c = 'y' AND attribute.status = 'RUNNING' AND run.run_name = 'r'",
    ).map((c) => c.type);
    expect(types).toEqual(['metric', 'param', 'tag', 'attribute', 'attribute']);
  });

  it('reads quoted keys with spaces, backticks and dotted bare keys', () => {
    expect(parseFilter('metrics."val loss" < 1')[0]).toMatchObject({ key: 'val loss' });
    expect(parseFilter('metrics.`f1 score` > 0.5')[0]).toMatchObject({ key: 'f1 score' });
    expect(parseFilter('metrics.val.loss < 2')[0]).toMatchObject({ key: 'val.loss', value: 2 });
  });

  it('reads negative and exponent numbers, LIKE, ILIKE and IN lists', () => {
    expect(parseFilter('metrics.x > -1.5e-3')[0]).toMatchObject({ value: -0.0015 });
    expect(parseFilter("params.model LIKE 'rf%'")[0]).toMatchObject({ op: 'LIKE', value: 'rf%' });
    expect(parseFilter("tags.owner ILIKE '%ANN%'")[0]).toMatchObject({ op: 'ILIKE' });
    expect(parseFilter("attributes.run_id IN ('a', 'b')")[0]).toMatchObject({ op: 'IN', value: ['a', 'b'] });
    expect(parseFilter("attributes.run_id NOT IN ('a')")[0]).toMatchObject({ op: 'NOT IN', value: ['a'] });
  });

  it('treats an identifier without a prefix as an attribute (experiment and model filters)', () => {
    expect(parseFilter("name = 'demo'")).toEqual([
      { type: 'attribute', key: 'name', op: '=', value: 'demo' },
    ]);
  });

  it('keeps escaped quotes inside strings', () => {
    expect(parseFilter("params.q = 'it''s'")[0]).toMatchObject({ value: "it's" });
    expect(parseFilter("params.q = 'a\\'b'")[0]).toMatchObject({ value: "a'b" });
  });

  it('returns no comparisons for an empty filter', () => {
    expect(parseFilter(undefined)).toEqual([]);
    expect(parseFilter('   ')).toEqual([]);
  });

  it.each([
    ['metrics.acc > 1 OR metrics.acc < 0', /OR is not supported/],
    ['metrics.acc >', /expected a number or a quoted string/],
    ['metrics.acc 1', /expected a comparison operator/],
    ["bogus.acc = '1'", /unknown identifier type 'bogus'/],
    ["params.a = 'unterminated", /unterminated/],
    ['metrics.a > 1 metrics.b > 2', /expected AND/],
    ['metrics.a # 1', /unexpected character '#'/],
  ])('rejects %s with a message naming the problem', (filter, message) => {
    let caught: unknown;
    try {
      parseFilter(filter);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RegistryError);
    expect((caught as RegistryError).errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect((caught as RegistryError).message).toMatch(message);
    expect((caught as RegistryError).message).toContain(filter);
  });
});

describe('parseOrderBy', () => {
  it('reads a field and an optional direction (default ascending)', () => {
    expect(parseOrderBy(['metrics.acc DESC', 'attributes.start_time', 'params.`a b` asc'])).toEqual([
      { type: 'metric', key: 'acc', ascending: false },
      { type: 'attribute', key: 'start_time', ascending: true },
      { type: 'param', key: 'a b', ascending: true },
    ]);
  });

  it('rejects trailing garbage', () => {
    expect(() => parseOrderBy(['metrics.acc DESC extra'])).toThrow(/unexpected extra/);
  });
});

describe('likeToGlob', () => {
  it('maps % and _ and escapes GLOB specials', () => {
    expect(likeToGlob('rf_%')).toBe('rf?*');
    expect(likeToGlob('a*b?[c')).toBe('a[*]b[?][[]c');
  });
});
