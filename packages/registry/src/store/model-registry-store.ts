/**
 * Registered models, their versions, tags and aliases: the model registry half
 * of the registry, on SQLite or PostgreSQL. Versions are numbered per model from 1 and never
 * reused; aliases (`staging`, `production`) point at one version each.
 */
import {
  MODEL_STAGES,
  type KeyValue,
  type ModelStage,
  type ModelVersion,
  type ModelVersionStatus,
  type RegisteredModel,
} from '@mlops/registry-client/wire';
import { RegistryError, invalidParameter, notFound } from '../errors.js';
import type { Page } from './entities.js';
import { decodePageToken, pageOf, pageResult } from './page-token.js';
import { parseFilter, parseOrderBy, type Comparison } from './search-filter.js';
import { allOf, numericCondition, stringCondition, type SqlCondition } from './sql-comparison.js';
import type { SqlDialect } from './sql-dialect.js';
import { SqlStore } from './sql-store.js';
import { all, get, run, type SqlProgram } from './sql-program.js';

export const MODEL_REGISTRY_LIMITS = {
  nameLength: 256,
  aliasLength: 255,
  tagKeyLength: 250,
  tagValueLength: 100_000,
  descriptionLength: 100_000,
  searchModelsDefault: 100,
  searchModelsMax: 1000,
  searchVersionsDefault: 10_000,
  searchVersionsMax: 200_000,
} as const;

export interface CreateModelVersionInput {
  name: string;
  source: string;
  runId?: string;
  tags?: KeyValue[];
  runLink?: string;
  description?: string;
  userId?: string;
}

export interface SearchInput {
  filter?: string;
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

/** What the routes need from a model registry backend. */
export interface ModelRegistryStore {
  createRegisteredModel(name: string, tags?: KeyValue[], description?: string): Promise<RegisteredModel>;
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  searchRegisteredModels(input: SearchInput): Promise<Page<RegisteredModel>>;
  updateRegisteredModel(name: string, description: string | undefined): Promise<RegisteredModel>;
  renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel>;
  deleteRegisteredModel(name: string): Promise<void>;
  setRegisteredModelTag(name: string, tag: KeyValue): Promise<void>;
  deleteRegisteredModelTag(name: string, key: string): Promise<void>;
  createModelVersion(input: CreateModelVersionInput): Promise<ModelVersion>;
  getModelVersion(name: string, version: string): Promise<ModelVersion>;
  updateModelVersion(name: string, version: string, description: string | undefined): Promise<ModelVersion>;
  deleteModelVersion(name: string, version: string): Promise<void>;
  searchModelVersions(input: SearchInput): Promise<Page<ModelVersion>>;
  getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]>;
  transitionStage(
    name: string,
    version: string,
    stage: string,
    archiveExisting: boolean,
  ): Promise<ModelVersion>;
  setModelVersionTag(name: string, version: string, tag: KeyValue): Promise<void>;
  deleteModelVersionTag(name: string, version: string, key: string): Promise<void>;
  setAlias(name: string, alias: string, version: string): Promise<void>;
  deleteAlias(name: string, alias: string): Promise<void>;
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;
}

interface ModelRow {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description: string | null;
  next_version: number;
}

interface VersionRow {
  name: string;
  version: number;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description: string | null;
  user_id: string | null;
  current_stage: ModelStage;
  source: string;
  run_id: string | null;
  run_link: string | null;
  status: ModelVersionStatus;
}

function checkName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw invalidParameter(`Missing value for required parameter '${field}': a registered model name`);
  }
  if (name.length > MODEL_REGISTRY_LIMITS.nameLength) {
    throw invalidParameter(`Registered model name is ${name.length} characters; the limit is 256`);
  }
  return name;
}

function parseVersion(version: unknown): number {
  const text = typeof version === 'number' ? String(version) : version;
  if (typeof text !== 'string' || !/^\d{1,9}$/.test(text) || Number(text) < 1) {
    throw invalidParameter(
      `Invalid model version '${String(version)}': expected a positive integer such as "1"`,
    );
  }
  return Number(text);
}

const ALIAS_PATTERN = /^[\w-]+$/;

function checkAlias(alias: unknown): string {
  if (typeof alias !== 'string' || alias === '') {
    throw invalidParameter('Registered model alias name cannot be empty');
  }
  if (!ALIAS_PATTERN.test(alias)) {
    throw invalidParameter(
      `Invalid alias name '${alias}': use letters, digits, underscores and hyphens only`,
    );
  }
  if (alias.length > MODEL_REGISTRY_LIMITS.aliasLength) {
    throw invalidParameter(`Alias name is ${alias.length} characters; the limit is 255`);
  }
  return alias;
}

function checkAliasNotReserved(alias: string): void {
  if (alias.toLowerCase() === 'latest')
    throw invalidParameter("'latest' alias name (case insensitive) is reserved");
  if (/^v\d+$/i.test(alias)) throw invalidParameter(`Version alias name '${alias}' is reserved`);
}

function checkTag(tag: KeyValue): void {
  if (typeof tag.key !== 'string' || tag.key === '') throw invalidParameter('Tag key cannot be empty');
  if (tag.key.length > MODEL_REGISTRY_LIMITS.tagKeyLength) {
    throw invalidParameter(`Tag key '${tag.key.slice(0, 40)}...' is longer than 250 characters`);
  }
  if (typeof tag.value !== 'string') throw invalidParameter(`Tag '${tag.key}' needs a string value`);
  if (tag.value.length > MODEL_REGISTRY_LIMITS.tagValueLength) {
    throw invalidParameter(`Tag '${tag.key}' value is longer than 100000 characters`);
  }
}

function canonicalStage(stage: string): ModelStage {
  const match = MODEL_STAGES.find((s) => s.toLowerCase() === String(stage).toLowerCase());
  if (!match)
    throw invalidParameter(
      `Invalid model version stage '${stage}': expected one of ${MODEL_STAGES.join(', ')}`,
    );
  return match;
}

function checkMaxResults(value: number | undefined, fallback: number, limit: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > limit) {
    throw invalidParameter(`Invalid value ${value} for parameter 'max_results': expected 1 to ${limit}`);
  }
  return value;
}

function modelCondition(dialect: SqlDialect, c: Comparison): SqlCondition {
  if (c.type === 'tag') {
    const inner = stringCondition(dialect, 't.value', c);
    return {
      sql: `EXISTS (SELECT 1 FROM registered_model_tags t WHERE t.name = rm.name AND t.key = ? AND ${inner.sql})`,
      params: [c.key, ...inner.params],
    };
  }
  if (c.type === 'attribute' && c.key === 'name')
    return stringCondition(dialect, 'rm.name', c, { allowIn: true });
  throw invalidParameter(`Invalid registered model filter field '${c.key}': expected name or tags.<key>`);
}

function versionCondition(dialect: SqlDialect, c: Comparison): SqlCondition {
  if (c.type === 'tag') {
    const inner = stringCondition(dialect, 't.value', c);
    return {
      sql: `EXISTS (SELECT 1 FROM model_version_tags t WHERE t.name = mv.name AND t.version = mv.version AND t.key = ? AND ${inner.sql})`,
      params: [c.key, ...inner.params],
    };
  }
  if (c.type === 'attribute') {
    if (c.key === 'name') return stringCondition(dialect, 'mv.name', c, { allowIn: true });
    if (c.key === 'run_id') return stringCondition(dialect, 'mv.run_id', c, { allowIn: true });
    if (c.key === 'source_path' || c.key === 'source') return stringCondition(dialect, 'mv.source', c);
    if (c.key === 'version_number' || c.key === 'version') return numericCondition(dialect, 'mv.version', c);
    if (c.key === 'current_stage') return stringCondition(dialect, 'mv.current_stage', c, { allowIn: true });
  }
  throw invalidParameter(
    `Invalid model version filter field '${c.key}': expected name, run_id, source_path, version_number or tags.<key>`,
  );
}

const MODEL_ORDER_COLUMNS: Record<string, string> = {
  name: 'rm.name',
  timestamp: 'rm.creation_timestamp',
  creation_timestamp: 'rm.creation_timestamp',
  last_updated_timestamp: 'rm.last_updated_timestamp',
};

const VERSION_ORDER_COLUMNS: Record<string, string> = {
  name: 'mv.name',
  version_number: 'mv.version',
  version: 'mv.version',
  timestamp: 'mv.creation_timestamp',
  creation_timestamp: 'mv.creation_timestamp',
  last_updated_timestamp: 'mv.last_updated_timestamp',
  run_id: 'mv.run_id',
};

function orderTerms(orderBy: string[] | undefined, columns: Record<string, string>, what: string): string[] {
  return parseOrderBy(orderBy ?? []).map((clause) => {
    const column = clause.type === 'attribute' ? columns[clause.key] : undefined;
    if (!column) {
      throw invalidParameter(
        `Invalid order_by key '${clause.key}' for ${what}: expected one of ${Object.keys(columns).join(', ')}`,
      );
    }
    return `${column} ${clause.ascending ? 'ASC' : 'DESC'}`;
  });
}

const MODEL = 'SELECT * FROM registered_models WHERE name = ?';
const VERSION = 'SELECT * FROM model_versions WHERE name = ? AND version = ?';
const TOUCH_MODEL = 'UPDATE registered_models SET last_updated_timestamp = ? WHERE name = ?';
const UPSERT_MODEL_TAG = `INSERT INTO registered_model_tags (name, key, value) VALUES (?, ?, ?)
  ON CONFLICT (name, key) DO UPDATE SET value = excluded.value`;
const UPSERT_VERSION_TAG = `INSERT INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?)
  ON CONFLICT (name, version, key) DO UPDATE SET value = excluded.value`;
const LATEST_PER_STAGE = `SELECT mv.* FROM model_versions mv
  WHERE mv.name = ? AND mv.version = (
    SELECT MAX(v.version) FROM model_versions v WHERE v.name = mv.name AND v.current_stage = mv.current_stage)
  ORDER BY mv.version`;

/**
 * The model registry store on any SqlExecutor (SQLite or PostgreSQL). Every
 * change to a model's versions, stages or aliases first locks the model's row
 * (a no-op on SQLite, where transactions run one at a time), so replicas
 * sharing one PostgreSQL database number versions consecutively and never
 * leave two versions in Production after archive_existing_versions.
 */
export class SqlModelRegistryStore extends SqlStore implements ModelRegistryStore {
  private *modelRow(name: string, lock = false): SqlProgram<ModelRow> {
    checkName(name);
    const row = yield* get<ModelRow>(lock ? `${MODEL}${this.dialect.forUpdate}` : MODEL, [name]);
    if (!row) throw notFound(`Registered Model with name=${name} not found`);
    return row;
  }

  private *versionRow(name: string, version: string, lock = false): SqlProgram<VersionRow> {
    const number = parseVersion(version);
    yield* this.modelRow(name, lock);
    const row = yield* get<VersionRow>(VERSION, [name, number]);
    if (!row) throw notFound(`Model Version (name=${name}, version=${number}) not found`);
    return row;
  }

  private *toModelVersion(row: VersionRow): SqlProgram<ModelVersion> {
    const version: ModelVersion = {
      name: row.name,
      version: String(row.version),
      creation_timestamp: row.creation_timestamp,
      last_updated_timestamp: row.last_updated_timestamp,
      current_stage: row.current_stage,
      source: row.source,
      status: row.status,
    };
    if (row.description !== null) version.description = row.description;
    if (row.user_id !== null) version.user_id = row.user_id;
    if (row.run_id !== null) version.run_id = row.run_id;
    if (row.run_link !== null) version.run_link = row.run_link;
    const tags = yield* all<KeyValue>(
      'SELECT key, value FROM model_version_tags WHERE name = ? AND version = ? ORDER BY key',
      [row.name, row.version],
    );
    if (tags.length > 0) version.tags = tags;
    const aliases = yield* all<{ alias: string }>(
      'SELECT alias FROM registered_model_aliases WHERE name = ? AND version = ? ORDER BY alias',
      [row.name, row.version],
    );
    if (aliases.length > 0) version.aliases = aliases.map((a) => a.alias);
    return version;
  }

  private *toModelVersions(rows: VersionRow[]): SqlProgram<ModelVersion[]> {
    const versions: ModelVersion[] = [];
    for (const row of rows) versions.push(yield* this.toModelVersion(row));
    return versions;
  }

  private *toRegisteredModel(row: ModelRow): SqlProgram<RegisteredModel> {
    const model: RegisteredModel = {
      name: row.name,
      creation_timestamp: row.creation_timestamp,
      last_updated_timestamp: row.last_updated_timestamp,
    };
    if (row.description !== null) model.description = row.description;
    const latest = yield* this.toModelVersions(yield* all<VersionRow>(LATEST_PER_STAGE, [row.name]));
    if (latest.length > 0) model.latest_versions = latest;
    const tags = yield* all<KeyValue>(
      'SELECT key, value FROM registered_model_tags WHERE name = ? ORDER BY key',
      [row.name],
    );
    if (tags.length > 0) model.tags = tags;
    const aliases = yield* all<{ alias: string; version: number }>(
      'SELECT alias, version FROM registered_model_aliases WHERE name = ? ORDER BY alias',
      [row.name],
    );
    if (aliases.length > 0)
      model.aliases = aliases.map((a) => ({ alias: a.alias, version: String(a.version) }));
    return model;
  }

  private *registeredModel(name: string): SqlProgram<RegisteredModel> {
    return yield* this.toRegisteredModel(yield* this.modelRow(name));
  }

  private *modelVersion(name: string, version: string): SqlProgram<ModelVersion> {
    return yield* this.toModelVersion(yield* this.versionRow(name, version));
  }

  async createRegisteredModel(
    name: string,
    tags: KeyValue[] = [],
    description?: string,
  ): Promise<RegisteredModel> {
    checkName(name);
    tags.forEach(checkTag);
    return this.inTransaction(function* () {
      const now = Date.now();
      // Of two replicas creating one name, exactly one inserts; the other (on PostgreSQL after
      // waiting for the first to commit) inserts nothing and answers RESOURCE_ALREADY_EXISTS.
      const inserted = yield* get<{ name: string }>(
        `INSERT INTO registered_models (name, creation_timestamp, last_updated_timestamp, description)
         VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING name`,
        [name, now, now, description ?? null],
      );
      if (!inserted) {
        throw new RegistryError('RESOURCE_ALREADY_EXISTS', `Registered Model (name=${name}) already exists.`);
      }
      for (const tag of tags) yield* run(UPSERT_MODEL_TAG, [name, tag.key, tag.value]);
      return yield* this.registeredModel(name);
    });
  }

  getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.reading(() => this.registeredModel(name));
  }

  async searchRegisteredModels(input: SearchInput): Promise<Page<RegisteredModel>> {
    const maxResults = checkMaxResults(
      input.maxResults,
      MODEL_REGISTRY_LIMITS.searchModelsDefault,
      MODEL_REGISTRY_LIMITS.searchModelsMax,
    );
    const offset = decodePageToken(input.pageToken);
    const where = allOf(parseFilter(input.filter).map((c) => modelCondition(this.dialect, c)));
    const terms = [...orderTerms(input.orderBy, MODEL_ORDER_COLUMNS, 'registered models'), 'rm.name ASC'];
    return this.reading(function* () {
      const rows = yield* all<ModelRow>(
        `SELECT rm.* FROM registered_models rm WHERE ${where.sql} ORDER BY ${terms.join(', ')} LIMIT ? OFFSET ?`,
        [...where.params, maxResults + 1, offset],
      );
      const page = pageOf(rows, offset, maxResults);
      const items: RegisteredModel[] = [];
      for (const row of page.items) items.push(yield* this.toRegisteredModel(row));
      return pageResult(page, items);
    });
  }

  updateRegisteredModel(name: string, description: string | undefined): Promise<RegisteredModel> {
    return this.inTransaction(function* () {
      yield* this.modelRow(name, true);
      yield* run('UPDATE registered_models SET description = ?, last_updated_timestamp = ? WHERE name = ?', [
        description ?? null,
        Date.now(),
        name,
      ]);
      return yield* this.registeredModel(name);
    });
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    checkName(newName, 'new_name');
    return this.inTransaction(function* () {
      yield* this.modelRow(name, true);
      if (newName !== name && (yield* get<ModelRow>(MODEL, [newName]))) {
        throw new RegistryError(
          'RESOURCE_ALREADY_EXISTS',
          `Registered Model (name=${newName}) already exists.`,
        );
      }
      // Versions, tags and aliases follow through ON UPDATE CASCADE.
      yield* run('UPDATE registered_models SET name = ?, last_updated_timestamp = ? WHERE name = ?', [
        newName,
        Date.now(),
        name,
      ]);
      return yield* this.registeredModel(newName);
    });
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.inTransaction(function* () {
      yield* this.modelRow(name, true);
      yield* run('DELETE FROM registered_models WHERE name = ?', [name]);
    });
  }

  async setRegisteredModelTag(name: string, tag: KeyValue): Promise<void> {
    checkTag(tag);
    await this.inTransaction(function* () {
      yield* this.modelRow(name);
      yield* run(UPSERT_MODEL_TAG, [name, tag.key, tag.value]);
      yield* run(TOUCH_MODEL, [Date.now(), name]);
    });
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.inTransaction(function* () {
      yield* this.modelRow(name);
      const result = yield* run('DELETE FROM registered_model_tags WHERE name = ? AND key = ?', [name, key]);
      if (result.changes === 0) throw notFound(`No tag with key '${key}' on registered model ${name}`);
    });
  }

  async createModelVersion(input: CreateModelVersionInput): Promise<ModelVersion> {
    checkName(input.name);
    if (typeof input.source !== 'string' || input.source === '') {
      throw invalidParameter("Missing value for required parameter 'source'");
    }
    (input.tags ?? []).forEach(checkTag);
    return this.inTransaction(function* () {
      const now = Date.now();
      // Taking the number and bumping the counter is one statement that locks the model's row,
      // so concurrent creators (on any replica) get consecutive, distinct numbers.
      const taken = yield* get<{ version: number }>(
        `UPDATE registered_models SET next_version = next_version + 1, last_updated_timestamp = ?
         WHERE name = ? RETURNING next_version - 1 AS version`,
        [now, input.name],
      );
      if (!taken) throw notFound(`Registered Model with name=${input.name} not found`);
      const version = taken.version;
      yield* run(
        `INSERT INTO model_versions (name, version, creation_timestamp, last_updated_timestamp, description, user_id,
           current_stage, source, run_id, run_link, status)
         VALUES (?, ?, ?, ?, ?, ?, 'None', ?, ?, ?, 'READY')`,
        [
          input.name,
          version,
          now,
          now,
          input.description ?? null,
          input.userId ?? null,
          input.source,
          input.runId || null,
          input.runLink || null,
        ],
      );
      for (const tag of input.tags ?? []) {
        yield* run(UPSERT_VERSION_TAG, [input.name, version, tag.key, tag.value]);
      }
      return yield* this.modelVersion(input.name, String(version));
    });
  }

  getModelVersion(name: string, version: string): Promise<ModelVersion> {
    return this.reading(() => this.modelVersion(name, version));
  }

  updateModelVersion(name: string, version: string, description: string | undefined): Promise<ModelVersion> {
    return this.inTransaction(function* () {
      const row = yield* this.versionRow(name, version);
      yield* run(
        'UPDATE model_versions SET description = ?, last_updated_timestamp = ? WHERE name = ? AND version = ?',
        [description ?? null, Date.now(), name, row.version],
      );
      return yield* this.modelVersion(name, version);
    });
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    await this.inTransaction(function* () {
      const row = yield* this.versionRow(name, version, true);
      // Its tags and aliases go with it through ON DELETE CASCADE.
      yield* run('DELETE FROM model_versions WHERE name = ? AND version = ?', [name, row.version]);
      yield* run(TOUCH_MODEL, [Date.now(), name]);
    });
  }

  async searchModelVersions(input: SearchInput): Promise<Page<ModelVersion>> {
    const maxResults = checkMaxResults(
      input.maxResults,
      MODEL_REGISTRY_LIMITS.searchVersionsDefault,
      MODEL_REGISTRY_LIMITS.searchVersionsMax,
    );
    const offset = decodePageToken(input.pageToken);
    const where = allOf(parseFilter(input.filter).map((c) => versionCondition(this.dialect, c)));
    const terms = [
      ...orderTerms(input.orderBy, VERSION_ORDER_COLUMNS, 'model versions'),
      'mv.name ASC',
      'mv.version DESC',
    ];
    return this.reading(function* () {
      const rows = yield* all<VersionRow>(
        `SELECT mv.* FROM model_versions mv WHERE ${where.sql} ORDER BY ${terms.join(', ')} LIMIT ? OFFSET ?`,
        [...where.params, maxResults + 1, offset],
      );
      const page = pageOf(rows, offset, maxResults);
      return pageResult(page, yield* this.toModelVersions(page.items));
    });
  }

  async getLatestVersions(name: string, stages: string[] = []): Promise<ModelVersion[]> {
    const wanted = new Set(stages.map(canonicalStage));
    return this.reading(function* () {
      yield* this.modelRow(name);
      const rows = yield* all<VersionRow>(LATEST_PER_STAGE, [name]);
      return yield* this.toModelVersions(
        rows.filter((row) => wanted.size === 0 || wanted.has(row.current_stage)),
      );
    });
  }

  async transitionStage(
    name: string,
    version: string,
    stage: string,
    archiveExisting: boolean,
  ): Promise<ModelVersion> {
    const target = canonicalStage(stage);
    return this.inTransaction(function* () {
      const row = yield* this.versionRow(name, version, true);
      const now = Date.now();
      if (archiveExisting && (target === 'Staging' || target === 'Production')) {
        yield* run(
          `UPDATE model_versions SET current_stage = 'Archived', last_updated_timestamp = ?
           WHERE name = ? AND current_stage = ? AND version != ?`,
          [now, name, target, row.version],
        );
      }
      yield* run(
        'UPDATE model_versions SET current_stage = ?, last_updated_timestamp = ? WHERE name = ? AND version = ?',
        [target, now, name, row.version],
      );
      return yield* this.modelVersion(name, version);
    });
  }

  async setModelVersionTag(name: string, version: string, tag: KeyValue): Promise<void> {
    checkTag(tag);
    await this.inTransaction(function* () {
      const row = yield* this.versionRow(name, version);
      yield* run(UPSERT_VERSION_TAG, [name, row.version, tag.key, tag.value]);
    });
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    await this.inTransaction(function* () {
      const row = yield* this.versionRow(name, version);
      const result = yield* run('DELETE FROM model_version_tags WHERE name = ? AND version = ? AND key = ?', [
        name,
        row.version,
        key,
      ]);
      if (result.changes === 0) {
        throw notFound(`No tag with key '${key}' on model ${name} version ${row.version}`);
      }
    });
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    checkAlias(alias);
    checkAliasNotReserved(alias);
    await this.inTransaction(function* () {
      const row = yield* this.versionRow(name, version, true);
      yield* run(
        `INSERT INTO registered_model_aliases (name, alias, version) VALUES (?, ?, ?)
         ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version`,
        [name, alias, row.version],
      );
      yield* run(TOUCH_MODEL, [Date.now(), name]);
    });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    checkAlias(alias);
    await this.inTransaction(function* () {
      yield* this.modelRow(name, true);
      // Deleting an absent alias is a no-op in MLflow too.
      yield* run('DELETE FROM registered_model_aliases WHERE name = ? AND alias = ?', [name, alias]);
      yield* run(TOUCH_MODEL, [Date.now(), name]);
    });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    checkAlias(alias);
    return this.reading(function* () {
      yield* this.modelRow(name);
      if (alias.toLowerCase() === 'latest') {
        const latest = (yield* get<{ version: number | null }>(
          'SELECT MAX(version) AS version FROM model_versions WHERE name = ?',
          [name],
        ))?.version;
        if (latest === null || latest === undefined)
          throw notFound(`Latest version not found for model ${name}.`);
        return yield* this.modelVersion(name, String(latest));
      }
      const row = yield* get<{ version: number }>(
        'SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?',
        [name, alias],
      );
      // MLflow answers an unknown alias with INVALID_PARAMETER_VALUE (400), and clients rely on it.
      if (!row) throw invalidParameter(`Registered model alias ${alias} not found.`);
      return yield* this.modelVersion(name, String(row.version));
    });
  }
}
