/**
 * Global setup of the registry-postgres vitest project: one throw-away
 * PostgreSQL cluster (test/support/postgres-server.ts) for all its test files,
 * stopped at the end.
 */
import type { TestProject } from 'vitest/node';
import { startPostgres } from '../../../test/support/postgres-server.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  project.provide('registryPostgresAdminUrl', server.adminUrl);
  return () => server.stop();
}
