import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MONITORING_SCHEDULE_ID,
  MONITORING_TASK_QUEUE,
  TRAINING_WORKFLOW_ID,
  TRAINING_WORKFLOW_TYPE,
} from '@mlops/temporal';
import { workerAliveFile } from '@mlops/temporal/worker-host';
import { freePort } from '../../../test/support/free-port.js';
import { startTestTemporal } from '../../../test/support/temporal-env.js';
import { startTempRegistry } from '../../../test/support/temp-registry-server.js';

const mainPath = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('packages/monitor/src/main.ts', () => {
  let env: TestWorkflowEnvironment;
  let registry: Awaited<ReturnType<typeof startTempRegistry>>;
  let dir: string;

  beforeAll(async () => {
    [env, registry] = await Promise.all([startTestTemporal(), startTempRegistry()]);
    dir = mkdtempSync(join(tmpdir(), 'monitor-main-'));
  });
  afterAll(async () => {
    await env?.teardown();
    await registry?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The real monitor entry point as a child process; its temp folder (and so its liveness file) is `dir`. */
  function startMonitor(registryUrl: string) {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), mainPath], {
      cwd: dir,
      env: {
        ...process.env,
        TMPDIR: dir,
        TEMPORAL_ADDRESS: env.address,
        REGISTRY_URL: registryUrl,
        MONITOR_INTERVAL: '1h',
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    return { child, exited, stderr: () => stderr };
  }

  it('creates the schedule, starts the first training run, keeps its liveness file fresh and exits 0 on SIGTERM', async () => {
    const monitor = startMonitor(registry.url);
    try {
      const training = env.client.workflow.getHandle(TRAINING_WORKFLOW_ID);
      const deadline = Date.now() + 90_000;
      for (;;) {
        const started = await training.describe().then(
          (description) => description.type,
          () => undefined,
        );
        if (started) {
          expect(started).toBe(TRAINING_WORKFLOW_TYPE);
          break;
        }
        if (Date.now() > deadline || monitor.child.exitCode !== null) {
          throw new Error(`the first training run was not started; stderr: ${monitor.stderr()}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      const schedule = await env.client.schedule.getHandle(MONITORING_SCHEDULE_ID).describe();
      expect(schedule.spec.intervals).toMatchObject([{ every: 3_600_000 }]);
      const aliveFile = join(dir, basename(workerAliveFile(MONITORING_TASK_QUEUE)));
      expect(Date.now() - statSync(aliveFile).mtimeMs).toBeLessThan(15_000);
    } finally {
      monitor.child.kill('SIGTERM');
    }
    expect(await monitor.exited).toBe(0);
  }, 120_000);

  it('stops with exit code 1 and one line naming the failure when its start-up work fails', async () => {
    const monitor = startMonitor(`http://127.0.0.1:${await freePort()}`);
    expect(await monitor.exited).toBe(1);
    expect(monitor.stderr()).toMatch(/^monitor: .+\n$/);
  }, 120_000);
});
