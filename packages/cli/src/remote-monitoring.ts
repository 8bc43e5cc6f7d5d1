/** `mlops monitor --now`: runs the monitoring schedule's action immediately. */
import { type Config } from '@mlops/core';
import { MONITORING_SCHEDULE_ID } from '@mlops/temporal';
import { triggerMonitoringNow } from '@mlops/monitor';
import { withTemporalClient } from './temporal-client.js';

/** Triggers one scheduled drift check now; the monitor worker must have created the schedule. */
export async function triggerMonitoringCheck(config: Config): Promise<void> {
  await withTemporalClient(config, async (client) => {
    try {
      await triggerMonitoringNow(client);
    } catch (error) {
      if ((error as Error).name === 'ScheduleNotFoundError') {
        throw new Error(
          `The schedule ${MONITORING_SCHEDULE_ID} does not exist yet: the monitor worker creates it when it starts ` +
            '(`pnpm start` or `pnpm mlops worker monitor`).',
        );
      }
      throw error;
    }
  });
}
