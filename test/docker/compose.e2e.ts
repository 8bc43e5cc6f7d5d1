/**
 * The Compose stack on a real Docker engine, as a user runs it: build the four
 * images, `docker compose up`, a prediction from the model the train container
 * trained, both web UIs, drifted traffic that makes the monitor container start
 * a retraining whose version takes the `production` alias, then `down` and `up`
 * again with the registry and the production log kept in their volumes.
 *
 * Runs as its own project (`housing-mlops-e2e`) so it never touches a user's
 * stack or volumes, on the default ports (stop a running `pnpm start` first).
 * Base images that cannot be pulled are built locally first by
 * scripts/docker-stand-in-images.sh. Run: `pnpm test:compose`.
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

const project = 'housing-mlops-e2e';
const temporalUiUrl = 'http://127.0.0.1:8233';
const { compose, downQuietly } = composeProject(project);

/** Rows in the API container's production log, read inside the container. */
function productionLogRows(): number {
  const script =
    "const D=require('better-sqlite3');" +
    "const db=new D('data/production/predictions.db',{readonly:true});" +
    "console.log(db.prepare('select count(*) n from predictions').get().n)";
  return Number(compose(['exec', '-T', 'api', 'node', '-e', script]).trim());
}

async function servedVersion(): Promise<string | undefined> {
  const { body } = await json<{ model: { version: string; alias: string } | null }>(`${apiUrl}/health`);
  return body.model?.alias === 'production' ? body.model.version : undefined;
}

describe('docker compose up', () => {
  let demoDir: string;

  beforeAll(() => {
    demoDir = mkdtempSync(join(tmpdir(), 'compose-e2e-'));
    prepareStack(compose);
  });

  afterAll(() => {
    downQuietly();
    rmSync(demoDir, { recursive: true, force: true });
  });

  it('comes up healthy and serves a prediction from the model the train container registered', async () => {
    compose(['up', '--detach', '--wait', '--wait-timeout', '420'], 480_000);
    say('up: every service healthy, the API serving');
    const predicted = await json<{ price_category: string; model_version: string; model_alias: string }>(
      `${apiUrl}/predict`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(EXAMPLE_LISTING),
      },
    );
    expect(predicted.status).toBe(200);
    expect(['low', 'medium', 'high']).toContain(predicted.body.price_category);
    expect(predicted.body).toMatchObject({ model_version: '1', model_alias: 'production' });
    // Version 1 is the train container's: its run is in the registry with the bundle as an artifact.
    const versions = await modelVersions();
    expect(versions.get('1')).toEqual(expect.arrayContaining(['production']));
  });

  it('serves the registry UI and the Temporal UI', async () => {
    for (const url of [registryUrl, temporalUiUrl]) {
      const response = await fetch(url);
      expect(response.status, url).toBe(200);
      expect(await response.text(), url).toMatch(/<html/i);
    }
  });

  it('retrains in the containers after drifted traffic and serves the new version', async () => {
    const { code, output } = await runDriftDemo(demoDir);
    expect(code, output).toBe(0);
    // The two input-drift alerts of this traffic; the estimated-performance alert may join them.
    expect(output).toMatch(/status drift, [2-9] alert\(s\)/);
    expect(output).toMatch(/psi\.district = /);
    expect(output).toMatch(/cardinality\.address = /);
    const newVersion = /The API now serves version (\d+)/.exec(output)?.[1];
    expect(newVersion, output).toBeDefined();
    expect(Number(newVersion)).toBeGreaterThan(1);
    expect((await modelVersions()).get(newVersion!)).toEqual(expect.arrayContaining(['production']));
    say(`drift -> retraining -> version ${newVersion} served`);
  });

  it('stops within the stop timeout and keeps registry data and the production log across down and up', async () => {
    const versionsBefore = await modelVersions();
    const servedBefore = await servedVersion();
    const rowsBefore = productionLogRows();
    expect(rowsBefore).toBeGreaterThanOrEqual(800);

    compose(['stop'], 120_000);
    const exited = compose(['ps', '--all', '--format', '{{.Service}} {{.ExitCode}}']).trim().split('\n');
    // 137 would mean SIGKILL after Compose's 10 s stop timeout: every service must stop on SIGTERM.
    for (const line of exited) expect(line, exited.join('; ')).not.toMatch(/ 137$/);
    compose(['down'], 120_000);
    say('down');
    compose(['up', '--detach', '--wait', '--wait-timeout', '300'], 360_000);
    say('up again');

    expect(await modelVersions()).toEqual(versionsBefore);
    expect(await servedVersion()).toBe(servedBefore);
    expect(productionLogRows()).toBe(rowsBefore);
  });
});
