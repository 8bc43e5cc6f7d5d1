import { Client, Connection } from '@temporalio/client';
import type { Config } from '@mlops/core';

/**
 * Runs `work` with a client of the stack's Temporal server (TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE) and closes the connection afterwards. An unreachable
 * server is one clear error naming the variable and how to start the stack.
 */
export async function withTemporalClient<T>(
  config: Config,
  work: (client: Client) => Promise<T>,
): Promise<T> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS, connectTimeout: '5s' });
  } catch (error) {
    throw new Error(
      `Temporal is not reachable at ${config.TEMPORAL_ADDRESS} (TEMPORAL_ADDRESS): start the stack with ` +
        `\`pnpm start\` (or \`pnpm mlops temporal\` and the workers). ${(error as Error).message}`,
    );
  }
  try {
    return await work(new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }));
  } finally {
    await connection.close();
  }
}
