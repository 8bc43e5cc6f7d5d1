import { createServer } from 'node:net';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isPortOpen, startTemporalDevServer } from '../src/temporal-server.js';
import { freePort } from '../../../test/support/free-port.js';

describe('startTemporalDevServer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'temporal-dev-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts a dev server that keeps its state in the given file, and stops it', async () => {
    const port = await freePort();
    const uiPort = await freePort();
    const dbFile = join(dir, 'state', 'temporal.db');
    const server = await startTemporalDevServer({
      address: `127.0.0.1:${port}`,
      uiPort,
      namespace: 'default',
      dbFile,
      output: 'ignore',
    });
    try {
      expect(await isPortOpen('127.0.0.1', port)).toBe(true);
      expect(existsSync(dbFile)).toBe(true);
    } finally {
      await server.stop();
    }
    expect(await isPortOpen('127.0.0.1', port)).toBe(false);
  });

  it('refuses a port that is already taken, naming the variable to change', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const { port } = blocker.address() as { port: number };
    try {
      await expect(
        startTemporalDevServer({
          address: `127.0.0.1:${port}`,
          uiPort: 1,
          namespace: 'default',
          dbFile: join(dir, 'x.db'),
        }),
      ).rejects.toThrow(/TEMPORAL_ADDRESS/);
    } finally {
      blocker.close();
    }
  });
});
