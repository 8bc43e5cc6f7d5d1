/**
 * A workflow bundle built ahead of time, as the worker images build theirs: the
 * script writes it, a worker runs the training pipeline from it, and a missing
 * bundle is refused naming the variable.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@mlops/core';
import { startTestTemporal } from '../../../test/support/temporal-env.js';
import { stubTrainingActivities } from '../../../test/support/stub-training-activities.js';
import type { TrainingResult } from '../src/workflow-types.js';
import { workflowSource } from '../src/workflow-bundle.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const script = join(root, 'packages/temporal/src/workflow-bundle.ts');
const trainWorkflows = join(root, 'packages/train/src/workflows.ts');

describe('prebuilt workflow bundles', () => {
  let env: TestWorkflowEnvironment;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'workflow-bundle-'));
    env = await startTestTemporal();
  });
  afterAll(async () => {
    await env?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the script bundles the training workflows and a worker runs the pipeline from the bundle', async () => {
    const out = join(dir, 'train-workflows.js');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', script, trainWorkflows, out],
      {
        cwd: root,
      },
    );
    expect(stdout).toMatch(/workflow bundle: .*train-workflows\.js \(\d+ KiB\)/);
    expect(statSync(out).size).toBeGreaterThan(10_000);

    const source = workflowSource('/nowhere/workflows.ts', out);
    expect(source).toEqual({ workflowBundle: { codePath: out } });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'bundle-test',
      ...source,
      activities: stubTrainingActivities(),
    });
    const result = await worker.runUntil(
      env.client.workflow.execute('trainingPipeline', {
        taskQueue: 'bundle-test',
        workflowId: 'bundle-test-1',
        args: [{ trigger: { reason: 'manual' } }],
      }),
    );
    expect((result as TrainingResult).version).toBe('3');
  });

  it('without TEMPORAL_WORKFLOW_BUNDLE a worker bundles from source', () => {
    expect(workflowSource(trainWorkflows, undefined)).toEqual({ workflowsPath: trainWorkflows });
  });

  it('refuses a bundle path that does not exist, naming the variable', () => {
    expect(() => workflowSource(trainWorkflows, join(dir, 'absent.js'))).toThrow(ConfigError);
    expect(() => workflowSource(trainWorkflows, join(dir, 'absent.js'))).toThrow(
      /TEMPORAL_WORKFLOW_BUNDLE=".*absent\.js": no such file/,
    );
  });

  it('the script exits 2 with a usage line when an argument is missing', async () => {
    const failure = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
      cwd: root,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toMatch(/usage: /);
  });
});
