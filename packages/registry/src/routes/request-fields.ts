/**
 * Reads MLflow request fields with MLflow's wire leniency: GET fields come from
 * the query string (a list is a repeated key, one occurrence still a list),
 * other methods from the JSON body; int64 values may be numbers or numeric
 * strings; enums may be names or their proto numbers; unknown fields are
 * ignored. Route JSON schemas cannot express this mix, so handlers read
 * through this class and every problem becomes INVALID_PARAMETER_VALUE naming
 * the field.
 */
import type { FastifyRequest } from 'fastify';
import type { KeyValue } from '@mlops/registry-client/wire';
import { invalidParameter } from '../errors.js';
import type { MetricInput } from '../store/entities.js';

type Source = Record<string, unknown>;

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 80)}...` : text;
}

export class RequestFields {
  private constructor(
    private readonly source: Source,
    /** Query strings repeat keys for lists; a JSON body never needs that leniency. */
    private readonly fromQuery = false,
  ) {}

  /** Fields of `request`: its query for GET/HEAD, else its JSON body (an empty body reads as `{}`). */
  static of(request: FastifyRequest): RequestFields {
    const raw: unknown = request.method === 'GET' || request.method === 'HEAD' ? request.query : request.body;
    const fromQuery = request.method === 'GET' || request.method === 'HEAD';
    if (raw === undefined || raw === null || raw === '') return new RequestFields({}, fromQuery);
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      throw invalidParameter(`The request body must be a JSON object, got ${describe(raw)}`);
    }
    return new RequestFields(raw as Source, fromQuery);
  }

  /** Fields of a plain object (for tests and nested messages). */
  static from(source: Source): RequestFields {
    return new RequestFields(source);
  }

  has(name: string): boolean {
    const value = this.source[name];
    return value !== undefined && value !== null;
  }

  private first(name: string): unknown {
    const value = this.source[name];
    if (!Array.isArray(value)) return value;
    // A repeated query key arrives as an array; a scalar field takes its last occurrence.
    if (this.fromQuery) return value[value.length - 1];
    throw invalidParameter(
      `Invalid value ${describe(value)} for parameter '${name}' supplied: expected a single value`,
    );
  }

  string(name: string): string | undefined {
    const value = this.first(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw invalidParameter(
      `Invalid value ${describe(value)} for parameter '${name}' supplied: expected a string`,
    );
  }

  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined || value === '') {
      throw invalidParameter(`Missing value for required parameter '${name}'.`);
    }
    return value;
  }

  /** The run id, from `run_id` or the legacy `run_uuid`. */
  runId(): string {
    const value = this.string('run_id') || this.string('run_uuid');
    if (!value) throw invalidParameter("Missing value for required parameter 'run_id'.");
    return value;
  }

  int64(name: string): number | undefined {
    const value = this.first(name);
    if (value === undefined || value === null || value === '') return undefined;
    const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isSafeInteger(number)) {
      throw invalidParameter(
        `Invalid value ${describe(value)} for parameter '${name}' supplied: expected an integer`,
      );
    }
    return number;
  }

  requiredInt64(name: string): number {
    const value = this.int64(name);
    if (value === undefined) throw invalidParameter(`Missing value for required parameter '${name}'.`);
    return value;
  }

  /** A double; accepts MLflow's "NaN", "Infinity", "-Infinity" and numeric strings. */
  double(name: string): number | undefined {
    const value = this.first(name);
    if (value === undefined || value === null || value === '') return undefined;
    return parseDouble(value, name);
  }

  boolean(name: string): boolean | undefined {
    const value = this.first(name);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'True' || value === '1') return true;
    if (value === 'false' || value === 'False' || value === '0') return false;
    throw invalidParameter(
      `Invalid value ${describe(value)} for parameter '${name}' supplied: expected true or false`,
    );
  }

  /** A repeated string field: absent is [], one value is [value]. */
  stringList(name: string): string[] {
    const value = this.source[name];
    if (value === undefined || value === null) return [];
    const list = Array.isArray(value) ? value : [value];
    return list.map((item) => {
      if (typeof item === 'string') return item;
      if (typeof item === 'number') return String(item);
      throw invalidParameter(
        `Invalid value ${describe(value)} for parameter '${name}' supplied: expected strings`,
      );
    });
  }

  /** An enum given by name or by proto number (`numbers[i]` is the number of `names[i]`). */
  enumValue<T extends string>(name: string, names: readonly T[], numbers: readonly number[]): T | undefined {
    const value = this.first(name);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'string' && (names as readonly string[]).includes(value)) return value as T;
    const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
    const index = numbers.indexOf(number);
    if (index >= 0) return names[index];
    throw invalidParameter(
      `Invalid value ${describe(value)} for parameter '${name}' supplied: expected one of ${names.join(', ')}`,
    );
  }

  /** A repeated `{key, value}` message such as `tags` or `params`. */
  keyValues(name: string): KeyValue[] {
    return this.messages(name).map((item, index) => {
      const key = item.string('key');
      const value = item.string('value');
      if (!key) throw invalidParameter(`Missing value for required parameter '${name}[${index}].key'.`);
      return { key, value: value ?? '' };
    });
  }

  /** A repeated metric message as log-batch sends it. */
  metrics(name: string): MetricInput[] {
    return this.messages(name).map((item, index) => {
      const key = item.string('key');
      if (!key) throw invalidParameter(`Missing value for required parameter '${name}[${index}].key'.`);
      const value = item.double('value');
      if (value === undefined)
        throw invalidParameter(`Missing value for required parameter '${name}[${index}].value'.`);
      const timestamp = item.int64('timestamp');
      if (timestamp === undefined) {
        throw invalidParameter(`Missing value for required parameter '${name}[${index}].timestamp'.`);
      }
      return { key, value, timestamp, step: item.int64('step') ?? 0 };
    });
  }

  private messages(name: string): RequestFields[] {
    const value = this.source[name];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      throw invalidParameter(
        `Invalid value ${describe(value)} for parameter '${name}' supplied: expected a list`,
      );
    }
    return value.map((item) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        throw invalidParameter(`Invalid value ${describe(item)} in parameter '${name}': expected an object`);
      }
      return new RequestFields(item as Source);
    });
  }
}

/** Parses a wire double (number, numeric string, "NaN", "Infinity", "-Infinity"). */
export function parseDouble(value: unknown, name: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value === 'NaN') return Number.NaN;
    if (value === 'Infinity' || value === 'inf') return Infinity;
    if (value === '-Infinity' || value === '-inf') return -Infinity;
    const trimmed = value.trim();
    if (trimmed !== '' && Number.isFinite(Number(trimmed))) return Number(trimmed);
  }
  throw invalidParameter(
    `Invalid value ${describe(value)} for parameter '${name}' supplied: expected a number`,
  );
}
