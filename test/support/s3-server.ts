/**
 * A throw-away S3-compatible object store for tests: SeaweedFS (`weed mini`)
 * with every port a free port of 127.0.0.1, its data and logs in a temp
 * folder removed on stop, one S3
 * identity so requests are signed as on AWS, and one bucket created.
 *
 * The `weed` binary comes from WEED_BIN, ~/.cache/mlops/bin/weed (where
 * `scripts/prereqs.sh` builds it) or PATH. With MLOPS_TEST_S3_ENDPOINT set
 * (plus MLOPS_TEST_S3_ACCESS_KEY / MLOPS_TEST_S3_SECRET_KEY) no server is
 * started and a fresh bucket is created on that store instead.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { freePort } from './free-port.js';

export interface S3Server {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** A bucket that exists and is empty at start. */
  bucket: string;
  /** A client for the test's own checks (path-style, the server's credentials). */
  client(): S3Client;
  /** Creates another empty bucket and returns its name. */
  createBucket(name?: string): Promise<string>;
  stop(): Promise<void>;
}

/** The `weed` binary, or an error naming how to get it. */
export function weedBinary(): string {
  const fromEnv = process.env.WEED_BIN;
  if (fromEnv) {
    if (!existsSync(fromEnv))
      throw new Error(`WEED_BIN=${fromEnv} does not exist; point it at a weed binary`);
    return fromEnv;
  }
  const cached = join(process.env.MLOPS_TOOLS_DIR ?? join(homedir(), '.cache', 'mlops', 'bin'), 'weed');
  if (existsSync(cached)) return cached;
  const which = spawnSync('sh', ['-c', 'command -v weed'], { encoding: 'utf8' });
  const found = which.stdout.trim();
  if (which.status === 0 && found) return found;
  throw new Error(
    'SeaweedFS (weed) not found for the S3 tests. Run scripts/prereqs.sh (it builds weed into ' +
      '~/.cache/mlops/bin), set WEED_BIN to a weed binary, or set MLOPS_TEST_S3_ENDPOINT to a running S3 store.',
  );
}

function clientConfig(
  endpoint: string,
  region: string,
  credentials: S3Server['credentials'],
): S3ClientConfig {
  return {
    endpoint,
    region,
    credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

function bucketCreator(client: S3Client): (name?: string) => Promise<string> {
  return async (name) => {
    const bucket = name ?? `t-${randomUUID().slice(0, 18)}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    return bucket;
  };
}

/**
 * Retries `attempt` until it succeeds: the S3 port answers before the filer
 * and the volume server are ready to take writes.
 */
async function untilReady(
  attempt: () => Promise<void>,
  child: ChildProcess,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`weed exited (${child.exitCode ?? child.signalCode}) on start:\n${log()}`);
    }
    try {
      await attempt();
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`SeaweedFS S3 was not ready within 30 s: ${String(error)}\n${log()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Starts SeaweedFS with an S3 gateway (or, with MLOPS_TEST_S3_ENDPOINT, uses that store). */
export async function startS3Server(): Promise<S3Server> {
  const region = 'us-east-1';
  const external = process.env.MLOPS_TEST_S3_ENDPOINT;
  if (external) {
    const credentials = {
      accessKeyId: process.env.MLOPS_TEST_S3_ACCESS_KEY ?? '',
      secretAccessKey: process.env.MLOPS_TEST_S3_SECRET_KEY ?? '',
    };
    const config = clientConfig(external, region, credentials);
    const admin = new S3Client(config);
    const createBucket = bucketCreator(admin);
    return {
      endpoint: external,
      region,
      credentials,
      bucket: await createBucket(),
      client: () => new S3Client(config),
      createBucket,
      stop: async () => admin.destroy(),
    };
  }

  const weed = weedBinary();
  const dir = mkdtempSync(join(tmpdir(), 's3-'));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const credentials = {
    accessKeyId: `test${randomBytes(6).toString('hex')}`,
    secretAccessKey: randomBytes(20).toString('hex'),
  };
  const identities = join(dir, 's3.json');
  writeFileSync(
    identities,
    JSON.stringify({
      identities: [
        {
          name: 'tests',
          credentials: [{ accessKey: credentials.accessKeyId, secretKey: credentials.secretAccessKey }],
          actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'],
        },
      ],
    }),
  );
  const ports = {
    master: await freePort(),
    masterGrpc: await freePort(),
    volume: await freePort(),
    volumeGrpc: await freePort(),
    filer: await freePort(),
    filerGrpc: await freePort(),
    s3: await freePort(),
    s3Grpc: await freePort(),
    admin: await freePort(),
    adminGrpc: await freePort(),
  };
  // `weed mini`: master, volume server, filer and S3 gateway in one process, tuned for a single
  // machine. Unlike `weed server` it accepts writes as soon as its volume server has reported
  // (about 2 s after the start instead of about 10 s).
  const args = [
    '-v=0',
    'mini',
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    `-dir=${dataDir}`,
    `-master.port=${ports.master}`,
    `-master.port.grpc=${ports.masterGrpc}`,
    '-master.telemetry=false',
    // Small volumes: a test writes megabytes, not gigabytes.
    '-master.volumeSizeLimitMB=64',
    `-volume.port=${ports.volume}`,
    `-volume.port.grpc=${ports.volumeGrpc}`,
    `-filer.port=${ports.filer}`,
    `-filer.port.grpc=${ports.filerGrpc}`,
    `-filer.localSocket=${join(dir, 'filer.sock')}`,
    `-s3.port=${ports.s3}`,
    `-s3.port.grpc=${ports.s3Grpc}`,
    `-s3.localSocket=${join(dir, 's3.sock')}`,
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    `-s3.config=${identities}`,
    // As on AWS: writing to a missing bucket fails instead of creating it.
    '-s3.autoCreateBucket=false',
    '-webdav=false',
    // The admin server always listens; give it free ports too (the UI itself is off).
    '-admin.ui=false',
    `-admin.port=${ports.admin}`,
    `-admin.port.grpc=${ports.adminGrpc}`,
    '-admin.port.legacy=0',
  ];
  // Its own process group, so stop() ends the whole server; TMPDIR keeps its log files in `dir`.
  const child = spawn(weed, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMPDIR: dir },
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  // A test process that dies without stop() must not leave the server running.
  const onExit = (): void => killGroup('SIGKILL');
  process.once('exit', onExit);

  const endpoint = `http://127.0.0.1:${ports.s3}`;
  const config = clientConfig(endpoint, region, credentials);
  // One attempt per call: the readiness loop retries at its own pace instead of the SDK's backoff.
  const admin = new S3Client({ ...config, maxAttempts: 1 });
  const stop = async (): Promise<void> => {
    admin.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      killGroup('SIGTERM');
      // A graceful stop takes about 3 s; the data is thrown away, so do not wait that long.
      const timer = setTimeout(() => killGroup('SIGKILL'), 1_000);
      await exited;
      clearTimeout(timer);
    }
    process.removeListener('exit', onExit);
    rmSync(dir, { recursive: true, force: true });
    // The gRPC unix sockets always go to /tmp, named by our ports; a killed server leaves them.
    for (const [name, port] of [
      ['master-grpc', ports.masterGrpc],
      ['volume-grpc', ports.volumeGrpc],
      ['filer-grpc', ports.filerGrpc],
      ['s3-grpc', ports.s3Grpc],
      ['admin-grpc', ports.adminGrpc],
    ] as const) {
      rmSync(join('/tmp', `seaweedfs-${name}-${port}.sock`), { force: true });
    }
  };
  const createBucket = bucketCreator(admin);
  let bucket = '';
  try {
    await untilReady(
      async () => {
        if (!bucket) {
          bucket = await createBucket('artifacts').catch((error: { name?: string }) => {
            // An earlier attempt that timed out on our side may have created it.
            if (error.name === 'BucketAlreadyOwnedByYou') return 'artifacts';
            throw error;
          });
        }
        // A write proves the volume server has joined the master.
        await admin.send(new PutObjectCommand({ Bucket: bucket, Key: 'probe', Body: 'probe' }));
        await admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'probe' }));
      },
      child,
      () => output,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, region, credentials, bucket, client: () => new S3Client(config), createBucket, stop };
}
