/**
 * Registered models, their versions, tags and aliases: the model registry half
 * of the registry, on SQLite. Versions are numbered per model from 1 and never
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
import type { Database } from './database.js';
import type { Page } from './entities.js';
import { decodePageToken, pageOf } from './page-token.js';
import { parseFilter, parseOrderBy, type Comparison } from './search-filter.js';
import { allOf, numericCondition, stringCondition, type SqlCondition } from './sql-comparison.js';

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
  createRegisteredModel(name: string, tags?: KeyValue[], description?: string): RegisteredModel;
  getRegisteredModel(name: string): RegisteredModel;
  searchRegisteredModels(input: SearchInput): Page<RegisteredModel>;
  updateRegisteredModel(name: string, description: string | undefined): RegisteredModel;
  renameRegisteredModel(name: string, newName: string): RegisteredModel;
  deleteRegisteredModel(name: string): void;
  setRegisteredModelTag(name: string, tag: KeyValue): void;
  deleteRegisteredModelTag(name: string, key: string): void;
  createModelVersion(input: CreateModelVersionInput): ModelVersion;
  getModelVersion(name: string, version: string): ModelVersion;
  updateModelVersion(name: string, version: string, description: string | undefined): ModelVersion;
  deleteModelVersion(name: string, version: string): void;
  searchModelVersions(input: SearchInput): Page<ModelVersion>;
  getLatestVersions(name: string, stages?: string[]): ModelVersion[];
  transitionStage(name: string, version: string, stage: string, archiveExisting: boolean): ModelVersion;
  setModelVersionTag(name: string, version: string, tag: KeyValue): void;
  deleteModelVersionTag(name: string, version: string, key: string): void;
  setAlias(name: string, alias: string, version: string): void;
  deleteAlias(name: string, alias: string): void;
  getModelVersionByAlias(name: string, alias: string): ModelVersion;
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

function modelCondition(c: Comparison): SqlCondition {
  if (c.type === 'tag') {
    const inner = stringCondition('t.value', c);
    return {
      sql: `EXISTS (SELECT 1 FROM registered_model_tags t WHERE t.name = rm.name AND t.key = ? AND ${inner.sql})`,
      params: [c.key, ...inner.params],
    };
  }
  if (c.type === 'attribute' && c.key === 'name') return stringCondition('rm.name', c, { allowIn: true });
  throw invalidParameter(`Invalid registered model filter field '${c.key}': expected name or tags.<key>`);
}

function versionCondition(c: Comparison): SqlCondition {
  if (c.type === 'tag') {
    const inner = stringCondition('t.value', c);
    return {
      sql: `EXISTS (SELECT 1 FROM model_version_tags t WHERE t.name = mv.name AND t.version = mv.version AND t.key = ? AND ${inner.sql})`,
      params: [c.key, ...inner.params],
    };
  }
  if (c.type === 'attribute') {
    if (c.key === 'name') return stringCondition('mv.name', c, { allowIn: true });
    if (c.key === 'run_id') return stringCondition('mv.run_id', c, { allowIn: true });
    if (c.key === 'source_path' || c.key === 'source') return stringCondition('mv.source', c);
    if (c.key === 'version_number' || c.key === 'version') return numericCondition('mv.version', c);
    if (c.key === 'current_stage') return stringCondition('mv.current_stage', c, { allowIn: true });
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

/** The SQLite implementation. */
export class SqliteModelRegistryStore implements ModelRegistryStore {
  private readonly statements;

  constructor(private readonly db: Database) {
    this.statements = {
      model: db.prepare<[string], ModelRow>('SELECT * FROM registered_models WHERE name = ?'),
      insertModel: db.prepare(
        'INSERT INTO registered_models (name, creation_timestamp, last_updated_timestamp, description) VALUES (?, ?, ?, ?)',
      ),
      updateModelDescription: db.prepare(
        'UPDATE registered_models SET description = ?, last_updated_timestamp = ? WHERE name = ?',
      ),
      renameModel: db.prepare(
        'UPDATE registered_models SET name = ?, last_updated_timestamp = ? WHERE name = ?',
      ),
      touchModel: db.prepare('UPDATE registered_models SET last_updated_timestamp = ? WHERE name = ?'),
      takeVersion: db.prepare(
        'UPDATE registered_models SET next_version = next_version + 1, last_updated_timestamp = ? WHERE name = ?',
      ),
      deleteModel: db.prepare('DELETE FROM registered_models WHERE name = ?'),
      modelTags: db.prepare<[string], KeyValue>(
        'SELECT key, value FROM registered_model_tags WHERE name = ? ORDER BY key',
      ),
      upsertModelTag: db.prepare(
        `INSERT INTO registered_model_tags (name, key, value) VALUES (?, ?, ?)
         ON CONFLICT (name, key) DO UPDATE SET value = excluded.value`,
      ),
      deleteModelTag: db.prepare('DELETE FROM registered_model_tags WHERE name = ? AND key = ?'),
      modelAliases: db.prepare<[string], { alias: string; version: number }>(
        'SELECT alias, version FROM registered_model_aliases WHERE name = ? ORDER BY alias',
      ),
      version: db.prepare<[string, number], VersionRow>(
        'SELECT * FROM model_versions WHERE name = ? AND version = ?',
      ),
      insertVersion: db.prepare(
        `INSERT INTO model_versions (name, version, creation_timestamp, last_updated_timestamp, description, user_id,
           current_stage, source, run_id, run_link, status)
         VALUES (?, ?, ?, ?, ?, ?, 'None', ?, ?, ?, 'READY')`,
      ),
      updateVersionDescription: db.prepare(
        'UPDATE model_versions SET description = ?, last_updated_timestamp = ? WHERE name = ? AND version = ?',
      ),
      setVersionStage: db.prepare(
        'UPDATE model_versions SET current_stage = ?, last_updated_timestamp = ? WHERE name = ? AND version = ?',
      ),
      archiveStage: db.prepare(
        `UPDATE model_versions SET current_stage = 'Archived', last_updated_timestamp = ?
         WHERE name = ? AND current_stage = ? AND version != ?`,
      ),
      deleteVersion: db.prepare('DELETE FROM model_versions WHERE name = ? AND version = ?'),
      latestPerStage: db.prepare<[string], VersionRow>(
        `SELECT mv.* FROM model_versions mv
         WHERE mv.name = ? AND mv.version = (
           SELECT MAX(v.version) FROM model_versions v WHERE v.name = mv.name AND v.current_stage = mv.current_stage)
         ORDER BY mv.version`,
      ),
      versionTags: db.prepare<[string, number], KeyValue>(
        'SELECT key, value FROM model_version_tags WHERE name = ? AND version = ? ORDER BY key',
      ),
      upsertVersionTag: db.prepare(
        `INSERT INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?)
         ON CONFLICT (name, version, key) DO UPDATE SET value = excluded.value`,
      ),
      deleteVersionTag: db.prepare(
        'DELETE FROM model_version_tags WHERE name = ? AND version = ? AND key = ?',
      ),
      versionAliases: db.prepare<[string, number], { alias: string }>(
        'SELECT alias FROM registered_model_aliases WHERE name = ? AND version = ? ORDER BY alias',
      ),
      alias: db.prepare<[string, string], { version: number }>(
        'SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?',
      ),
      upsertAlias: db.prepare(
        `INSERT INTO registered_model_aliases (name, alias, version) VALUES (?, ?, ?)
         ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version`,
      ),
      deleteAlias: db.prepare('DELETE FROM registered_model_aliases WHERE name = ? AND alias = ?'),
      maxVersion: db.prepare<[string], { version: number | null }>(
        'SELECT MAX(version) AS version FROM model_versions WHERE name = ?',
      ),
    };
  }

  private modelRow(name: string): ModelRow {
    checkName(name);
    const row = this.statements.model.get(name);
    if (!row) throw notFound(`Registered Model with name=${name} not found`);
    return row;
  }

  private versionRow(name: string, version: string): VersionRow {
    const number = parseVersion(version);
    this.modelRow(name);
    const row = this.statements.version.get(name, number);
    if (!row) throw notFound(`Model Version (name=${name}, version=${number}) not found`);
    return row;
  }

  private toModelVersion(row: VersionRow): ModelVersion {
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
    const tags = this.statements.versionTags.all(row.name, row.version);
    if (tags.length > 0) version.tags = tags;
    const aliases = this.statements.versionAliases.all(row.name, row.version).map((a) => a.alias);
    if (aliases.length > 0) version.aliases = aliases;
    return version;
  }

  private toRegisteredModel(row: ModelRow): RegisteredModel {
    const model: RegisteredModel = {
      name: row.name,
      creation_timestamp: row.creation_timestamp,
      last_updated_timestamp: row.last_updated_timestamp,
    };
    if (row.description !== null) model.description = row.description;
    const latest = this.statements.latestPerStage.all(row.name).map((v) => this.toModelVersion(v));
    if (latest.length > 0) model.latest_versions = latest;
    const tags = this.statements.modelTags.all(row.name);
    if (tags.length > 0) model.tags = tags;
    const aliases = this.statements.modelAliases
      .all(row.name)
      .map((a) => ({ alias: a.alias, version: String(a.version) }));
    if (aliases.length > 0) model.aliases = aliases;
    return model;
  }

  createRegisteredModel(name: string, tags: KeyValue[] = [], description?: string): RegisteredModel {
    checkName(name);
    tags.forEach(checkTag);
    return this.db.transaction(() => {
      if (this.statements.model.get(name)) {
        throw new RegistryError('RESOURCE_ALREADY_EXISTS', `Registered Model (name=${name}) already exists.`);
      }
      const now = Date.now();
      this.statements.insertModel.run(name, now, now, description ?? null);
      for (const tag of tags) this.statements.upsertModelTag.run(name, tag.key, tag.value);
      return this.toRegisteredModel(this.modelRow(name));
    })();
  }

  getRegisteredModel(name: string): RegisteredModel {
    return this.toRegisteredModel(this.modelRow(name));
  }

  searchRegisteredModels(input: SearchInput): Page<RegisteredModel> {
    const maxResults = checkMaxResults(
      input.maxResults,
      MODEL_REGISTRY_LIMITS.searchModelsDefault,
      MODEL_REGISTRY_LIMITS.searchModelsMax,
    );
    const offset = decodePageToken(input.pageToken);
    const where = allOf(parseFilter(input.filter).map(modelCondition));
    const terms = [...orderTerms(input.orderBy, MODEL_ORDER_COLUMNS, 'registered models'), 'rm.name ASC'];
    const rows = this.db
      .prepare<unknown[], ModelRow>(
        `SELECT rm.* FROM registered_models rm WHERE ${where.sql} ORDER BY ${terms.join(', ')} LIMIT ? OFFSET ?`,
      )
      .all(...where.params, maxResults + 1, offset);
    const page = pageOf(rows, offset, maxResults);
    return {
      items: page.items.map((row) => this.toRegisteredModel(row)),
      ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
    };
  }

  updateRegisteredModel(name: string, description: string | undefined): RegisteredModel {
    return this.db.transaction(() => {
      this.modelRow(name);
      this.statements.updateModelDescription.run(description ?? null, Date.now(), name);
      return this.toRegisteredModel(this.modelRow(name));
    })();
  }

  renameRegisteredModel(name: string, newName: string): RegisteredModel {
    checkName(newName, 'new_name');
    return this.db.transaction(() => {
      this.modelRow(name);
      if (newName !== name && this.statements.model.get(newName)) {
        throw new RegistryError(
          'RESOURCE_ALREADY_EXISTS',
          `Registered Model (name=${newName}) already exists.`,
        );
      }
      // Versions, tags and aliases follow through ON UPDATE CASCADE.
      this.statements.renameModel.run(newName, Date.now(), name);
      return this.toRegisteredModel(this.modelRow(newName));
    })();
  }

  deleteRegisteredModel(name: string): void {
    this.db.transaction(() => {
      this.modelRow(name);
      this.statements.deleteModel.run(name);
    })();
  }

  setRegisteredModelTag(name: string, tag: KeyValue): void {
    checkTag(tag);
    this.db.transaction(() => {
      this.modelRow(name);
      this.statements.upsertModelTag.run(name, tag.key, tag.value);
      this.statements.touchModel.run(Date.now(), name);
    })();
  }

  deleteRegisteredModelTag(name: string, key: string): void {
    this.db.transaction(() => {
      this.modelRow(name);
      if (this.statements.deleteModelTag.run(name, key).changes === 0) {
        throw notFound(`No tag with key '${key}' on registered model ${name}`);
      }
    })();
  }

  createModelVersion(input: CreateModelVersionInput): ModelVersion {
    checkName(input.name);
    if (typeof input.source !== 'string' || input.source === '') {
      throw invalidParameter("Missing value for required parameter 'source'");
    }
    (input.tags ?? []).forEach(checkTag);
    return this.db.transaction(() => {
      const model = this.modelRow(input.name);
      const version = model.next_version;
      const now = Date.now();
      this.statements.takeVersion.run(now, input.name);
      this.statements.insertVersion.run(
        input.name,
        version,
        now,
        now,
        input.description ?? null,
        input.userId ?? null,
        input.source,
        input.runId || null,
        input.runLink || null,
      );
      for (const tag of input.tags ?? [])
        this.statements.upsertVersionTag.run(input.name, version, tag.key, tag.value);
      return this.toModelVersion(this.versionRow(input.name, String(version)));
    })();
  }

  getModelVersion(name: string, version: string): ModelVersion {
    return this.toModelVersion(this.versionRow(name, version));
  }

  updateModelVersion(name: string, version: string, description: string | undefined): ModelVersion {
    return this.db.transaction(() => {
      const row = this.versionRow(name, version);
      this.statements.updateVersionDescription.run(description ?? null, Date.now(), name, row.version);
      return this.toModelVersion(this.versionRow(name, version));
    })();
  }

  deleteModelVersion(name: string, version: string): void {
    this.db.transaction(() => {
      const row = this.versionRow(name, version);
      // Its tags and aliases go with it through ON DELETE CASCADE.
      this.statements.deleteVersion.run(name, row.version);
      this.statements.touchModel.run(Date.now(), name);
    })();
  }

  searchModelVersions(input: SearchInput): Page<ModelVersion> {
    const maxResults = checkMaxResults(
      input.maxResults,
      MODEL_REGISTRY_LIMITS.searchVersionsDefault,
      MODEL_REGISTRY_LIMITS.searchVersionsMax,
    );
    const offset = decodePageToken(input.pageToken);
    const where = allOf(parseFilter(input.filter).map(versionCondition));
    const terms = [
      ...orderTerms(input.orderBy, VERSION_ORDER_COLUMNS, 'model versions'),
      'mv.name ASC',
      'mv.version DESC',
    ];
    const rows = this.db
      .prepare<unknown[], VersionRow>(
        `SELECT mv.* FROM model_versions mv WHERE ${where.sql} ORDER BY ${terms.join(', ')} LIMIT ? OFFSET ?`,
      )
      .all(...where.params, maxResults + 1, offset);
    const page = pageOf(rows, offset, maxResults);
    return {
      items: page.items.map((row) => this.toModelVersion(row)),
      ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
    };
  }

  getLatestVersions(name: string, stages: string[] = []): ModelVersion[] {
    this.modelRow(name);
    const wanted = new Set(stages.map(canonicalStage));
    return this.statements.latestPerStage
      .all(name)
      .filter((row) => wanted.size === 0 || wanted.has(row.current_stage))
      .map((row) => this.toModelVersion(row));
  }

  transitionStage(name: string, version: string, stage: string, archiveExisting: boolean): ModelVersion {
    const target = canonicalStage(stage);
    return this.db.transaction(() => {
      const row = this.versionRow(name, version);
      const now = Date.now();
      if (archiveExisting && (target === 'Staging' || target === 'Production')) {
        this.statements.archiveStage.run(now, name, target, row.version);
      }
      this.statements.setVersionStage.run(target, now, name, row.version);
      return this.toModelVersion(this.versionRow(name, version));
    })();
  }

  setModelVersionTag(name: string, version: string, tag: KeyValue): void {
    checkTag(tag);
    this.db.transaction(() => {
      const row = this.versionRow(name, version);
      this.statements.upsertVersionTag.run(name, row.version, tag.key, tag.value);
    })();
  }

  deleteModelVersionTag(name: string, version: string, key: string): void {
    this.db.transaction(() => {
      const row = this.versionRow(name, version);
      if (this.statements.deleteVersionTag.run(name, row.version, key).changes === 0) {
        throw notFound(`No tag with key '${key}' on model ${name} version ${row.version}`);
      }
    })();
  }

  setAlias(name: string, alias: string, version: string): void {
    checkAlias(alias);
    checkAliasNotReserved(alias);
    this.db.transaction(() => {
      const row = this.versionRow(name, version);
      this.statements.upsertAlias.run(name, alias, row.version);
      this.statements.touchModel.run(Date.now(), name);
    })();
  }

  deleteAlias(name: string, alias: string): void {
    checkAlias(alias);
    this.db.transaction(() => {
      this.modelRow(name);
      // Deleting an absent alias is a no-op in MLflow too.
      this.statements.deleteAlias.run(name, alias);
      this.statements.touchModel.run(Date.now(), name);
    })();
  }

  getModelVersionByAlias(name: string, alias: string): ModelVersion {
    checkAlias(alias);
    this.modelRow(name);
    if (alias.toLowerCase() === 'latest') {
      const latest = this.statements.maxVersion.get(name)?.version;
      if (latest === null || latest === undefined)
        throw notFound(`Latest version not found for model ${name}.`);
      return this.getModelVersion(name, String(latest));
    }
    const row = this.statements.alias.get(name, alias);
    // MLflow answers an unknown alias with INVALID_PARAMETER_VALUE (400), and clients rely on it.
    if (!row) throw invalidParameter(`Registered model alias ${alias} not found.`);
    return this.getModelVersion(name, String(row.version));
  }
}
