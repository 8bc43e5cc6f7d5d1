import { spawn, type ChildProcess } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_BUNDLE_FILE } from '@mlops/core';
import {
  EXAMPLE_LISTING,
  PRODUCTION_LOG_FILE,
  PRODUCTION_LOG_TABLE,
  formatRawListingsCsv,
  parseRawListingsCsv,
} from '@mlops/core/listing';
import { trainModel } from '@mlops/core/model';
import { generateRawListings } from '@mlops/core/synthetic';
import { freePort } from '../../../test/support/free-port.js';

const cliMain = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** better-sqlite3 comes with the API package, whose production log this test reads. */
const Database = createRequire(fileURLToPath(new URL('../../api/package.json', import.meta.url)))(
  'better-sqlite3',
) as new (
  file: string,
  options: { readonly: boolean },
) => { prepare(sql: string): { all(): unknown[] }; close(): void };

/** Processes whose working folder is `dir` (the CLI and the API it runs). */
function processesIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readlinkSync(`/proc/${entry}/cwd`) === dir;
      } catch {
        return false;
      }
    })
    .map(Number);
}

function isPortOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (open: boolean) => (socket.destroy(), resolve(open));
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Keeps `concurrency` POST /predict going until the API stops answering; the addresses answered 200. */
async function loadUntilDown(url: string, prefix: string, concurrency: number): Promise<string[]> {
  const answered: string[] = [];
  let next = 0;
  const client = async () => {
    for (;;) {
      const address = `${prefix}-${next++}`;
      try {
        const response = await fetch(`${url}/predict`, {
          method: 'POST',
          body: JSON.stringify({ ...EXAMPLE_LISTING, address }),
          headers: { 'content-type': 'application/json' },
        });
        await response.arrayBuffer();
        if (response.status !== 200) return;
        answered.push(address);
      } catch {
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return answered;
}

describe('mlops api', () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'cli-api-')));
  let cli: ChildProcess | undefined;
  let port: number;
  let url: string;

  beforeAll(async () => {
    const csv = formatRawListingsCsv(generateRawListings({ rows: 1500, seed: 11 }));
    const { listings } = parseRawListingsCsv(csv, { file: 'synthetic.csv' });
    const { bundle } = await trainModel(listings, { trees: 12, seed: 7, baseline: false, threads: 1 });
    mkdirSync(join(dir, 'models'), { recursive: true });
    writeFileSync(join(dir, 'models', MODEL_BUNDLE_FILE), JSON.stringify(bundle));
  });

  afterEach(() => {
    for (const pid of processesIn(dir)) process.kill(pid, 'SIGKILL');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts `mlops api` in a process group of its own (as a terminal does) and waits for /ready. */
  async function startApi(): Promise<{ cli: ChildProcess; exited: Promise<number | null> }> {
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    cli = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), cliMain, 'api'], {
      cwd: dir,
      env: {
        ...process.env,
        API_PORT: String(port),
        API_HOST: '127.0.0.1',
        REGISTRY_URL: `http://127.0.0.1:${await freePort()}`,
        MODEL_REFRESH_SECONDS: '3600',
        LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
      detached: true,
    });
    const exited = new Promise<number | null>((resolve) => cli!.once('exit', resolve));
    await until(
      '/ready answers 200',
      () =>
        fetch(`${url}/ready`).then(
          (r) => r.ok,
          () => false,
        ),
      60_000,
    );
    return { cli, exited };
  }

  function loggedAddresses(): Set<string> {
    const db = new Database(join(dir, 'data', 'production', PRODUCTION_LOG_FILE), { readonly: true });
    try {
      const rows = db.prepare(`SELECT address FROM ${PRODUCTION_LOG_TABLE}`).all() as { address: string }[];
      return new Set(rows.map((row) => row.address));
    } finally {
      db.close();
    }
  }

  it('keeps every answered prediction in the production log on Ctrl-C under load', async () => {
    const { cli, exited } = await startApi();
    const load = loadUntilDown(url, 'ctrl-c', 32);
    await new Promise((r) => setTimeout(r, 1500));
    process.kill(-cli.pid!, 'SIGINT');
    const [answered, code] = await Promise.all([load, exited]);
    expect(code).toBe(0);
    expect(answered.length).toBeGreaterThan(100);
    const logged = loggedAddresses();
    expect(answered.filter((address) => !logged.has(address))).toEqual([]);
    await until('no process left', () => processesIn(dir).length === 0, 5000);
  });

  for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
    it(`stops the API and frees its port on ${signal} to the top process only`, async () => {
      const { cli, exited } = await startApi();
      expect(processesIn(dir)).toHaveLength(2);
      cli.kill(signal);
      expect(await exited).toBe(0);
      await until('no process left', () => processesIn(dir).length === 0, 5000);
      expect(await isPortOpen(port)).toBe(false);
    });
  }

  it('stops the API when the CLI is killed outright (SIGKILL)', async () => {
    const { cli } = await startApi();
    cli.kill('SIGKILL');
    await until('no process left', () => processesIn(dir).length === 0, 10_000);
    expect(await isPortOpen(port)).toBe(false);
  });
});
