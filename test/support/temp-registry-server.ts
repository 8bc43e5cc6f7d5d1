import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '@mlops/registry';

/** The real registry on 127.0.0.1 (random port) with its database and artifacts in a temp folder. */
export async function startTempRegistry(): Promise<{ url: string; dir: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'registry-'));
  const app = buildApp({ dbPath: join(dir, 'registry.db'), artifactRoot: join(dir, 'mlruns') });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: address,
    dir,
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
