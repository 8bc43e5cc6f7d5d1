import { describe, expect, it } from 'vitest';
import { createLogger } from '@mlops/core';
import { freePort } from '../../../test/support/free-port.js';
import { connectClient, connectWorker } from '../src/worker-host.js';

const logger = createLogger({ name: 'worker-host-test', level: 'silent' });

describe.each([
  ['connectWorker', connectWorker],
  ['connectClient', connectClient],
] as const)('%s', (_name, connect) => {
  it('names the address and TEMPORAL_ADDRESS when no server answers in time', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    await expect(connect(address, logger, 1_000)).rejects.toThrow(
      `Temporal is not reachable at ${address} (TEMPORAL_ADDRESS) after 1 s`,
    );
  });
});
