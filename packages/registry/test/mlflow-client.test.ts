/**
 * The acceptance test: the official MLflow Python client (mlflow-skinny from
 * PyPI, unchanged) against a real listening registry. The virtualenv lives
 * outside the repository (~/.cache/mlops/mlflow-venv, or MLOPS_MLFLOW_VENV)
 * and is reused across runs. Skipped only when python3 or PyPI is unavailable.
 */
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedPythonVenv, type PythonVenv } from '../../../test/support/python-venv.js';
import { artifactBackends } from './artifacts-backends.js';
import { tempRegistry, type TempRegistry } from './temp-registry.js';

const VENV = process.env.MLOPS_MLFLOW_VENV ?? join(homedir(), '.cache', 'mlops', 'mlflow-venv');
/** The client major version this registry is checked against; override to try another. */
const MLFLOW_SPEC = process.env.MLOPS_MLFLOW_SPEC ?? 'mlflow-skinny>=3,<4';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'python', 'mlflow_client_flow.py');

function runPython(
  python: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [SCRIPT], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let prepared: PythonVenv;

beforeAll(() => {
  prepared = cachedPythonVenv(VENV, MLFLOW_SPEC, 'mlflow');
}, 660_000);

// The client uploads through the registry's proxied artifact API, so it needs no S3 credentials.
describe.each(artifactBackends)('the official MLflow Python client, artifacts on the $name', (backend) => {
  let registry: TempRegistry;
  let url: string;
  beforeAll(async () => {
    await backend.start();
    registry = await tempRegistry(backend.options());
    url = await registry.app.listen({ port: 0, host: '127.0.0.1' });
  }, 60_000);
  afterAll(async () => {
    await registry?.close();
    await backend.stop();
  });

  it('creates an experiment, logs a run with params, metrics and artifacts, registers it and reads the production alias back', async (context) => {
    if (!prepared.ready) {
      console.warn(`Skipping the MLflow client test: ${prepared.reason}`);
      context.skip(prepared.reason);
      return;
    }
    const result = await runPython(prepared.python, {
      MLFLOW_TRACKING_URI: url,
      // Fail fast instead of the client's minutes of retries if something answers 5xx.
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
      MLFLOW_HTTP_REQUEST_TIMEOUT: '30',
    });
    expect(result.code, `python failed:\n${result.stderr}`).toBe(0);
    const lines = result.stdout.trim().split('\n');
    const observed = JSON.parse(lines[lines.length - 1]!) as Record<string, unknown> & { run_id: string };

    expect(observed).toMatchObject({
      status: 'FINISHED',
      params: { trees: '10', max_depth: '6', seed: '42' },
      metrics: { accuracy: 0.75, f1: 0.7, loss: 0.3 },
      tags: { purpose: 'wire-compatibility', 'mlflow.runName': 'python-client-run' },
      history: [
        [0, 0.5],
        [1, 0.75],
      ],
      artifacts: ['model', 'reports'],
      report_files: ['reports/report.txt'],
      downloaded_text: 'accuracy report\n',
      registered_version: '1',
      second_version: '2',
      alias_version: '1',
      alias_aliases: ['production'],
      version_count: 2,
      search_hits: [observed.run_id],
    });
    expect(observed.registered_source).toMatch(/^mlflow-artifacts:\/\d+\/[0-9a-f]{32}\/artifacts\/model$/);

    // The server side agrees: files stored where the layout says, alias in the database.
    const run = await registry.ok<{ run: { info: { experiment_id: string } } }>('GET', 'runs/get', {
      run_id: observed.run_id,
    });
    const folder = `${run.run.info.experiment_id}/${observed.run_id}/artifacts`;
    const report = await backend.read(registry.artifactRoot, `${folder}/reports/report.txt`);
    expect(report?.toString('utf8')).toBe('accuracy report\n');
    expect(await backend.read(registry.artifactRoot, `${folder}/model/MLmodel`)).toBeDefined();
    const alias = await registry.ok<{ model_version: { version: string } }>(
      'GET',
      'registered-models/alias',
      {
        name: 'PythonClientModel',
        alias: 'production',
      },
    );
    expect(alias.model_version.version).toBe('1');
  }, 240_000);
});
