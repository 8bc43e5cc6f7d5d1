/**
 * The `scale` Compose stack on a real Docker engine: docker-compose.yml plus
 * docker-compose.scale.yml, so PostgreSQL holds the registry and the
 * production log, SeaweedFS (S3) holds the artifacts, and nginx balances two
 * registry replicas and three API replicas. Checks that the replicas act as one
 * service: predictions through the balancer reach all three API replicas and
 * land once each in the one PostgreSQL table, the train container's model is
 * in PostgreSQL with its bundle in the bucket, and the drift loop (the monitor
 * aggregating the shared log in SQL) retrains and every replica serves the
 * new version.
 *
 * Runs as its own project (`housing-mlops-scale-e2e`) on the default ports,
 * after compose.e2e.ts. Run: `pnpm test:compose`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_LISTING } from '@mlops/core/listing';
import {
  apiUrl,
  composeProject,
  json,
  modelVersions,
  prepareStack,
  registryUrl,
  runDriftDemo,
  say,
} from './compose-harness.js';

const project = 'housing-mlops-scale-e2e';
const { compose, downQuietly } = composeProject(project, ['docker-compose.yml', 'docker-compose.scale.yml']);
const API_REPLICAS = 3;

/** One SQL answer from the postgres container, as text. */
function psql(database: string, sql: string): string {
  const password = process.env.POSTGRES_PASSWORD ?? 'mlops';
  return compose([
    'exec',
    '-T',
    '-e',
    `PGPASSWORD=${password}`,
    'postgres',
    'psql',
    '-U',
    'mlops',
    '-d',
    database,
    '-Atc',
    sql,
  ]).trim();
}

interface ReplicaHealth {
  model: { version: string; alias: string } | null;
  productionLog: { appended: number; backend?: string };
}

/** /health of every API replica, read inside each container (the replicas publish no port). */
function replicaHealth(): ReplicaHealth[] {
  const script =
    "fetch('http://127.0.0.1:8081/health').then(r=>r.json()).then(b=>console.log(JSON.stringify(b)))";
  const answers: ReplicaHealth[] = [];
  for (let index = 1; index <= API_REPLICAS; index++) {
    const out = compose(['exec', '-T', '--index', String(index), 'api', 'node', '-e', script]);
    answers.push(JSON.parse(out) as ReplicaHealth);
  }
  return answers;
}

/**
 * Waits (each replica polls the registry on its own, every MODEL_REFRESH_SECONDS) until every API
 * replica serves `version` under the production alias; returns what each serves at the end.
 */
async function waitForReplicasServing(version: string, timeoutMs = 60_000): Promise<(string | undefined)[]> {
  const deadline = Date.now() + timeoutMs;
  let served: (string | undefined)[] = [];
  while (Date.now() < deadline) {
    served = replicaHealth().map((h) => (h.model?.alias === 'production' ? h.model.version : h.model?.alias));
    if (served.every((v) => v === version)) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  return served;
}

async function predict(): Promise<{
  status: number;
  body: { prediction_id?: string; model_version: string };
}> {
  return json(`${apiUrl}/predict`, {
    method: 'POST',
    // The answer waits for the row's commit, so the table can be counted right after.
    headers: { 'content-type': 'application/json', 'x-log-durability': 'sync' },
    body: JSON.stringify(EXAMPLE_LISTING),
  });
}

describe('docker compose (scale stack) up', () => {
  let demoDir: string;

  beforeAll(() => {
    demoDir = mkdtempSync(join(tmpdir(), 'compose-scale-e2e-'));
    prepareStack(compose, true);
  });

  afterAll(() => {
    downQuietly();
    rmSync(demoDir, { recursive: true, force: true });
  });

  it('comes up with the registry on PostgreSQL + S3 and the train container’s model in it', async () => {
    compose(['up', '--detach', '--wait', '--wait-timeout', '480'], 540_000);
    say('up: every service healthy');
    const running = compose(['ps', '--format', '{{.Service}}']).trim().split('\n');
    expect(running.filter((s) => s === 'api')).toHaveLength(API_REPLICAS);
    expect(running.filter((s) => s === 'registry')).toHaveLength(2);

    expect((await modelVersions()).get('1')).toEqual(expect.arrayContaining(['production']));
    expect(
      Number(psql('registry', "SELECT count(*) FROM model_versions WHERE name = 'HousingPriceClassifier'")),
    ).toBeGreaterThanOrEqual(1);
    // The version's run logged its bundle; the registry lists it from the bucket.
    const runId = psql('registry', 'SELECT run_id FROM model_versions WHERE version = 1');
    const listed = await json<{ files?: { path: string }[] }>(
      `${registryUrl}/api/2.0/mlflow/artifacts/list?run_id=${runId}`,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.files?.length ?? 0).toBeGreaterThan(0);
    const bucketObjects = compose([
      'exec',
      '-T',
      's3',
      'bash',
      '-c',
      "echo 'fs.ls -l /buckets/mlruns/artifacts' | weed shell -master=127.0.0.1:9333",
    ]);
    expect(bucketObjects).toMatch(/\S/);
    // Each replica may start on the bundle the train container left in the models volume, then
    // takes the registry's production version at its next poll.
    expect(await waitForReplicasServing('1')).toEqual(Array(API_REPLICAS).fill('1'));
  });

  it('spreads predictions over the three API replicas into one PostgreSQL table, each row once', async () => {
    const before = Number(psql('production', 'SELECT count(*) FROM predictions'));
    const ids = new Set<string>();
    for (let i = 0; i < 90; i++) {
      const answer = await predict();
      expect(answer.status).toBe(200);
      if (answer.body.prediction_id) ids.add(answer.body.prediction_id);
    }
    const after = Number(psql('production', 'SELECT count(*) FROM predictions'));
    expect(after - before).toBe(90);
    expect(ids.size).toBe(90);
    const quoted = [...ids].map((id) => `'${id}'`).join(',');
    expect(
      Number(psql('production', `SELECT count(*) FROM predictions WHERE prediction_id IN (${quoted})`)),
    ).toBe(90);
    const health = replicaHealth();
    for (const replica of health) {
      expect(replica.productionLog.appended, JSON.stringify(health)).toBeGreaterThan(0);
      expect(replica.model?.alias).toBe('production');
    }
    say(
      `90 predictions over ${API_REPLICAS} replicas: ${health.map((h) => h.productionLog.appended).join(' / ')}`,
    );
  });

  it('retrains after drifted traffic across the replicas, and every replica serves the new version', async () => {
    const { code, output } = await runDriftDemo(demoDir);
    expect(code, output).toBe(0);
    const newVersion = /The API now serves version (\d+)/.exec(output)?.[1];
    expect(newVersion, output).toBeDefined();
    say(`drift -> retraining -> version ${newVersion}`);
    expect(await waitForReplicasServing(newVersion!)).toEqual(Array(API_REPLICAS).fill(newVersion));
  });
});
