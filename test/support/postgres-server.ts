/**
 * A throw-away PostgreSQL cluster for tests and benchmarks: `initdb` into a
 * temp folder, `postgres` on a free port of 127.0.0.1, removed on stop.
 *
 * The server binaries come from Debian's `postgresql` package
 * (`scripts/prereqs.sh` installs it), PG_BIN, or PATH. PostgreSQL refuses to
 * run as root, so as root the cluster belongs to the `postgres` system user
 * the package creates. With MLOPS_TEST_POSTGRES_URL set (a superuser URL of
 * a running server) no cluster is started and each caller gets a fresh
 * database on that server instead.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { freePort } from './free-port.js';

export interface PostgresServer {
  /** Superuser URL of the `postgres` database (administration). */
  adminUrl: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /**
   * Durability of the cluster. Tests default to `fsync=off` (a crash of the
   * test machine loses nothing that matters); benchmarks pass true to measure
   * what a real deployment pays.
   */
  durable?: boolean;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string>;
}

const SEARCHED_BIN_DIRS = ['/usr/lib/postgresql'];

/** The folder holding `initdb` and `postgres`, or an error naming how to get them. */
export function postgresBinDir(): string {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv) {
    if (!existsSync(join(fromEnv, 'initdb'))) {
      throw new Error(`PG_BIN=${fromEnv} has no initdb; point it at PostgreSQL's bin folder`);
    }
    return fromEnv;
  }
  for (const root of SEARCHED_BIN_DIRS) {
    if (!existsSync(root)) continue;
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const bin = join(root, version, 'bin');
      if (existsSync(join(bin, 'initdb'))) return bin;
    }
  }
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  const found = which.stdout.trim();
  if (which.status === 0 && found) return join(found, '..');
  throw new Error(
    'PostgreSQL server binaries (initdb, postgres) not found. Run scripts/prereqs.sh ' +
      '(Debian: apt-get install postgresql), set PG_BIN to their folder, or set ' +
      'MLOPS_TEST_POSTGRES_URL to a running server.',
  );
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

async function runSql(adminUrl: string, sql: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

function databaseCreator(adminUrl: string): (name?: string) => Promise<string> {
  return async (name) => {
    const db = name ?? `t_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    await runSql(adminUrl, `CREATE DATABASE ${quoteIdentifier(db)}`);
    return databaseUrl(adminUrl, db);
  };
}

async function waitForServer(adminUrl: string, child: ChildProcess, log: () => string): Promise<void> {
  const { default: pg } = await import('pg');
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`postgres exited with code ${child.exitCode} on start:\n${log()}`);
    }
    const client = new pg.Client({ connectionString: adminUrl });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) {
        throw new Error(`postgres did not accept connections within 30 s: ${String(error)}\n${log()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Starts a cluster (or, with MLOPS_TEST_POSTGRES_URL, reuses that server). */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const external = process.env.MLOPS_TEST_POSTGRES_URL;
  if (external) {
    return { adminUrl: external, createDatabase: databaseCreator(external), stop: async () => undefined };
  }
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'pg-'));
  const dataDir = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  let runAs: { uid: number; gid: number } | undefined;
  if (asRoot) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (id.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(
        "PostgreSQL refuses to run as root and there is no 'postgres' user; install Debian's postgresql package",
      );
    }
    runAs = { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
    chownSync(dir, runAs.uid, runAs.gid);
    chmodSync(dir, 0o700);
  }
  const user = 'mlops';
  const init = spawnSync(
    join(bin, 'initdb'),
    ['-D', dataDir, '-U', user, '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
    { encoding: 'utf8', ...runAs },
  );
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (exit ${init.status}):\n${init.stderr || init.stdout}`);
  }
  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: dir,
    max_connections: '200',
    shared_buffers: '128MB',
    ...(options.durable ? {} : { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' }),
    ...options.settings,
  };
  const args = ['-D', dataDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const child = spawn(join(bin, 'postgres'), args, { stdio: ['ignore', 'pipe', 'pipe'], ...runAs });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const adminUrl = `postgresql://${user}@127.0.0.1:${port}/postgres`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      // SIGINT = fast shutdown: roll back open transactions, then exit.
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForServer(adminUrl, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { adminUrl, createDatabase: databaseCreator(adminUrl), stop };
}
