import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MONITORING_SCHEDULE_ID, MONITORING_TASK_QUEUE, MONITORING_WORKFLOW_TYPE } from '@mlops/temporal';
import { startTestTemporal } from '../../../test/support/temporal-env.js';
import { ensureMonitoringSchedule } from '../src/schedule.js';

describe('ensureMonitoringSchedule', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await startTestTemporal();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('creates the schedule once and updates it on later starts', async () => {
    const first = await ensureMonitoringSchedule(env.client, { intervalMs: 300_000, minAlerts: 2 });
    const second = await ensureMonitoringSchedule(env.client, { intervalMs: 300_000, minAlerts: 2 });
    const third = await ensureMonitoringSchedule(env.client, { intervalMs: 10_000, minAlerts: 3 });
    expect([first, second, third]).toEqual(['created', 'updated', 'updated']);

    const schedules = [];
    for await (const summary of env.client.schedule.list()) schedules.push(summary.scheduleId);
    expect(schedules.filter((id) => id === MONITORING_SCHEDULE_ID)).toHaveLength(1);

    const description = await env.client.schedule.getHandle(MONITORING_SCHEDULE_ID).describe();
    expect(description.spec.intervals?.[0]?.every).toBe(10_000);
    expect(description.policies.overlap).toBe('SKIP');
    expect(description.action.type).toBe('startWorkflow');
    if (description.action.type === 'startWorkflow') {
      expect(description.action.workflowType).toBe(MONITORING_WORKFLOW_TYPE);
      expect(description.action.taskQueue).toBe(MONITORING_TASK_QUEUE);
      expect(description.action.args).toEqual([{ minAlerts: 3 }]);
    }
    await env.client.schedule.getHandle(MONITORING_SCHEDULE_ID).delete();
  });
});
