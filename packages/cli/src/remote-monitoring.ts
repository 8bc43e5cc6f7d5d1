/** `mlops monitor --now`: runs the monitoring schedule's action immediately. */
import { Client, Connection } from '@temporalio/client';
import { MONITORING_SCHEDULE_ID, type Config } from '@mlops/core';
import { triggerMonitoringNow } from '@mlops/monitor';

/** Triggers one scheduled drift check now; the monitor worker must have created the schedule. */
export async function triggerMonitoringCheck(config: Config): Promise<void> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS, connectTimeout: '5s' });
  } catch (error) {
    throw new Error(
      `Temporal is not reachable at ${config.TEMPORAL_ADDRESS} (TEMPORAL_ADDRESS): start the stack with \`pnpm start\`. ` +
        (error as Error).message,
    );
  }
  try {
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
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
  } finally {
    await connection.close();
  }
}
