import type { Client } from '@temporalio/client';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type ScheduleOptions } from '@temporalio/client';
import {
  MONITORING_SCHEDULE_ID,
  MONITORING_TASK_QUEUE,
  MONITORING_WORKFLOW_TYPE,
  type MonitoringInput,
} from '@mlops/temporal';

export interface MonitoringScheduleSettings {
  /** Interval between checks, in milliseconds (MONITOR_INTERVAL). */
  intervalMs: number;
  /** Alerts needed to start retraining (DRIFT_MIN_ALERTS); passed to the workflow as an argument. */
  minAlerts: number;
  /** Extra input for every scheduled run. */
  input?: MonitoringInput;
}

/** What ensureMonitoringSchedule did. */
export type ScheduleOutcome = 'created' | 'updated';

function scheduleOptions(settings: MonitoringScheduleSettings): ScheduleOptions {
  return {
    scheduleId: MONITORING_SCHEDULE_ID,
    spec: { intervals: [{ every: settings.intervalMs }] },
    action: {
      type: 'startWorkflow',
      workflowType: MONITORING_WORKFLOW_TYPE,
      taskQueue: MONITORING_TASK_QUEUE,
      args: [{ ...settings.input, minAlerts: settings.minAlerts }],
      workflowExecutionTimeout: '30m',
    },
    // SKIP: a check that is due while the previous one is still running is dropped, not queued; the
    // schedule starts the next check at the first interval after the running one has finished.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
  };
}

/**
 * Creates the `monitoring-schedule`, or brings an existing one up to date with
 * the current settings. Safe to call at every monitor start.
 */
export async function ensureMonitoringSchedule(
  client: Client,
  settings: MonitoringScheduleSettings,
): Promise<ScheduleOutcome> {
  const options = scheduleOptions(settings);
  try {
    await client.schedule.create(options);
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await client.schedule.getHandle(MONITORING_SCHEDULE_ID).update((previous) => ({
    ...previous,
    spec: options.spec,
    action: { ...previous.action, ...options.action } as typeof previous.action,
    policies: { ...previous.policies, ...options.policies },
  }));
  return 'updated';
}

/** Runs the monitoring schedule's action now (used by `mlops monitor --now`). */
export async function triggerMonitoringNow(client: Client): Promise<void> {
  await client.schedule.getHandle(MONITORING_SCHEDULE_ID).trigger(ScheduleOverlapPolicy.ALLOW_ALL);
}
