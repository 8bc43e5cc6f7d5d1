/** The MLflow tracking server the registry benchmarks compare against. */
import { join } from 'node:path';

/**
 * Arguments of `mlflow server` on 127.0.0.1:`port` with 2 workers and no access log (logging
 * every request would slow it down for nothing): the backend store at `backendStoreUri`, artifacts
 * under `folder`/artifacts.
 */
export function mlflowServerArgs(backendStoreUri: string, folder: string, port: number): string[] {
  return [
    'server',
    '--backend-store-uri',
    backendStoreUri,
    '--artifacts-destination',
    join(folder, 'artifacts'),
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--workers',
    '2',
    '--uvicorn-opts',
    '--no-access-log',
  ];
}
