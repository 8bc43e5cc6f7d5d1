import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig } from '@mlops/core';
import { EXAMPLE_LISTING, LISTING_FIELDS, NUMERIC_FIELDS, TEXT_FIELDS } from '@mlops/core/listing';
import { startApi, type RunningApi } from '../src/server.js';
import { trainedBundle } from './trained-bundles.js';
import { servingModel } from './serving-model.js';

/**
 * Bodies a fuzzer or an attacker sends, over real HTTP: each must get a JSON 4xx that names the wrong
 * field (or a 200 for odd but valid text), never a 5xx, and never an answer that echoes a huge value.
 */

const example = JSON.stringify(EXAMPLE_LISTING);
/** Largest error message any of these bodies may produce. */
const MESSAGE_LIMIT = 2000;

/** The example listing as JSON text with `field` replaced by the raw JSON text `value`. */
function withField(field: string, value: string): string {
  const text = example.replace(new RegExp(`"${field}":(?:"[^"]*"|[^,}]+)`), () => `"${field}":${value}`);
  if (text === example) throw new Error(`field ${field} not replaced`);
  return text;
}

const nestedArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const nestedObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/** Wrong values for any field, as raw JSON text, with what the message must say. */
const wrongForAnyField: [string, string, RegExp][] = [
  ['an array nested 5,000 deep', nestedArray(5000), /got an array of 1 item/],
  ['an object nested 5,000 deep', nestedObject(5000), /got an object/],
  ['null', 'null', /got null/],
  ['true', 'true', /got true/],
  ['an empty array', '[]', /got an array of 0 items/],
  ['an empty object', '{}', /got an object/],
];

/** Wrong values for numeric fields. */
const wrongForNumbers: [string, string, RegExp][] = [
  ['a number too large for a double', '1e400', /must be a finite number, got Infinity/],
  ['a 40-digit integer', '1'.repeat(40), /must be <= /],
  ['the string "NaN"', '"NaN"', /must be a number, got "NaN"/],
  ['the string "Infinity"', '"Infinity"', /must be a number, got "Infinity"/],
  ['a 100,000-character string', JSON.stringify('9'.repeat(100_000)), /a string of 100000 characters/],
  ['a string with a null byte', '"1\\u00002"', /must be a number/],
];

/** Wrong values for text fields. */
const wrongForText: [string, string, RegExp][] = [
  ['a 100,000-character string', JSON.stringify('x'.repeat(100_000)), /at most 2000 characters/],
  ['a number', '12', /must be a string, got 12/],
  ['a huge number', '1e400', /must be a string, got Infinity/],
];

/** Odd but valid text values: answered 200. */
const oddButValidText: [string, string][] = [
  ['a null byte', '"a\\u0000b"'],
  ['a lone surrogate', '"\\ud800"'],
  ['emoji and right-to-left text', JSON.stringify('🏠 شقة 𝔸')],
  ['the string "NaN"', '"NaN"'],
  ['an empty string', '""'],
];

describe('prediction API under hostile input', () => {
  let api: RunningApi;

  beforeAll(async () => {
    const { models: modelSource } = await servingModel(await trainedBundle(), '3');
    api = await startApi({
      config: loadConfig({ API_BATCH_LIMIT: '1000' }),
      logger: createLogger({ name: 'api-test', level: 'silent' }),
      modelSource,
      productionLog: null,
      host: '127.0.0.1',
      port: 0,
    });
  }, 60_000);

  afterAll(async () => {
    await api?.close();
  });

  async function post(path: string, body: string) {
    const response = await fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const text = await response.text();
    return { status: response.status, text, json: JSON.parse(text) as Record<string, unknown> };
  }

  /** Asserts a 400 whose issues name `field` with a message matching `why`, and a bounded message. */
  function expectRejected(answer: Awaited<ReturnType<typeof post>>, field: string, why: RegExp) {
    expect(answer.status, answer.text.slice(0, 500)).toBe(400);
    const issues = answer.json.issues as { field: string; message: string }[];
    const issue = issues.find((i) => i.field === field);
    expect(issue, answer.text.slice(0, 500)).toBeDefined();
    expect(issue!.message).toMatch(why);
    expect(answer.json.message).toContain(field);
    expect((answer.json.message as string).length).toBeLessThan(MESSAGE_LIMIT);
    expect(answer.text.length).toBeLessThan(MESSAGE_LIMIT * 2);
  }

  const cases: [string, string, string, RegExp][] = [
    ...LISTING_FIELDS.flatMap((field) =>
      wrongForAnyField.map(([name, value, why]): [string, string, string, RegExp] => [
        field,
        name,
        value,
        why,
      ]),
    ),
    ...NUMERIC_FIELDS.flatMap((field) =>
      wrongForNumbers.map(([name, value, why]): [string, string, string, RegExp] => [
        field,
        name,
        value,
        why,
      ]),
    ),
    ...TEXT_FIELDS.flatMap((field) =>
      wrongForText.map(([name, value, why]): [string, string, string, RegExp] => [field, name, value, why]),
    ),
  ];

  it.each(cases)(
    'answers 400 naming %s when it holds %s, alone and in a batch',
    async (field, _name, value, why) => {
      const body = withField(field, value);
      expectRejected(await post('/predict', body), field, why);
      expectRejected(await post('/predict/batch', `[${example},${body}]`), `[1].${field}`, why);
    },
  );

  it.each(TEXT_FIELDS.flatMap((field) => oddButValidText.map(([name, value]) => [field, name, value])))(
    'answers 200 when %s holds %s',
    async (field, _name, value) => {
      const answer = await post('/predict', withField(field!, value!));
      expect(answer.status, answer.text).toBe(200);
      expect(answer.json.price_category).toMatch(/^(low|medium|high)$/);
    },
  );

  it.each([
    ['an array nested 5,000 deep', nestedArray(5000), /^(\(body\)|\[0\])$/],
    ['an array nested 200,000 deep', nestedArray(200_000), /^(\(body\)|\[0\])$/],
    // An object is the right type for /predict: its missing fields are named instead.
    ['an object nested 5,000 deep', nestedObject(5000), /^(GrossSquareMeters|\(body\))$/],
    ['null', 'null', /^\(body\)$/],
    ['a string', '"listing"', /^\(body\)$/],
    ['a number', '42', /^\(body\)$/],
  ])('answers 400 for a whole body that is %s', async (_name, body, field) => {
    for (const path of ['/predict', '/predict/batch']) {
      const answer = await post(path, body);
      expect(answer.status, answer.text.slice(0, 500)).toBe(400);
      const fields = (answer.json.issues as { field: string }[]).map((i) => i.field);
      expect(fields[0], answer.text.slice(0, 500)).toMatch(field);
      expect((answer.json.message as string).length).toBeLessThan(MESSAGE_LIMIT);
    }
  });

  it('answers 400 for an empty batch and 413 for one over API_BATCH_LIMIT', async () => {
    const empty = await post('/predict/batch', '[]');
    expect(empty.status).toBe(400);
    expect(empty.json.message).toMatch(/\(body\).*at least 1|too small/i);
    const huge = await post('/predict/batch', `[${Array(1001).fill(example).join(',')}]`);
    expect(huge.status).toBe(413);
    expect(huge.json.message).toMatch(/at most 1000 listings \(API_BATCH_LIMIT\), got 1001/);
  });

  it('keeps the answer short for a full batch in which every field of every item is wrong', async () => {
    const answer = await post('/predict/batch', `[${Array(1000).fill('{}').join(',')}]`);
    expect(answer.status).toBe(400);
    expect(answer.json.message).toMatch(
      /^11000 invalid fields: \[0\]\.GrossSquareMeters: GrossSquareMeters is required; /,
    );
    expect(answer.json.message).toMatch(/and 10990 more$/);
    const issues = answer.json.issues as { field: string }[];
    expect(issues).toHaveLength(100);
    expect(issues[0]!.field).toBe('[0].GrossSquareMeters');
    expect(answer.text.length).toBeLessThan(20_000);
  });

  it('answers a valid listing after all of that', async () => {
    const answer = await post('/predict', example);
    expect(answer.status).toBe(200);
  });
});
