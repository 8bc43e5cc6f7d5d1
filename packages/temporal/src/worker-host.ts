import { utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import {
  NativeConnection,
  Runtime,
  Worker,
  makeTelemetryFilterString,
  type LogLevel,
} from '@temporalio/worker';
import { createLogger, type Config, type Logger } from '@mlops/core';
import { workflowSource } from './workflow-bundle.js';

/** File a running worker touches every 10 s; container health checks read its age. */
export function workerAliveFile(taskQueue: string): string {
  return join(tmpdir(), `mlops-${taskQueue}-worker.alive`);
}

let runtimeInstalled = false;

/** Routes the Temporal SDK's own logs into our pino logger (once per process). */
export function installTemporalRuntime(logger: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const forward = (level: LogLevel, message: string, meta?: Record<string, unknown>) => {
    const target = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;
    logger[target[level]](meta ?? {}, message);
  };
  Runtime.install({
    logger: {
      log: forward,
      trace: (m, meta) => forward('TRACE', m, meta),
      debug: (m, meta) => forward('DEBUG', m, meta),
      info: (m, meta) => forward('INFO', m, meta),
      warn: (m, meta) => forward('WARN', m, meta),
      error: (m, meta) => forward('ERROR', m, meta),
    },
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } },
  });
}

async function retryUntilConnected<T>(
  what: string,
  address: string,
  connect: () => Promise<T>,
  logger: Logger,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect();
    } catch (error) {
      if (Date.now() + delay > deadline) {
        throw new Error(
          `Temporal is not reachable at ${address} (TEMPORAL_ADDRESS) after ${Math.round(timeoutMs / 1000)} s: ` +
            `${(error as Error).message}. Start it with \`pnpm mlops temporal\` or point TEMPORAL_ADDRESS at a running server.`,
          { cause: error },
        );
      }
      if (attempt === 1 || attempt % 10 === 0) logger.warn({ address }, `waiting for Temporal (${what})`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5000);
    }
  }
}

/** Connects a worker connection, waiting up to `timeoutMs` (default 2 min) for the server to come up. */
export function connectWorker(
  address: string,
  logger: Logger,
  timeoutMs = 120_000,
): Promise<NativeConnection> {
  return retryUntilConnected(
    'worker',
    address,
    () => NativeConnection.connect({ address }),
    logger,
    timeoutMs,
  );
}

/** Connects a client connection, waiting up to `timeoutMs` (default 2 min) for the server to come up. */
export function connectClient(address: string, logger: Logger, timeoutMs = 120_000): Promise<Connection> {
  return retryUntilConnected('client', address, () => Connection.connect({ address }), logger, timeoutMs);
}

export interface WorkerHostOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Module exporting the workflows of this queue. */
  workflowsPath: string;
  /** A prebuilt bundle of those workflows (TEMPORAL_WORKFLOW_BUNDLE) used instead of bundling at start. */
  workflowBundlePath?: string;
  activities: object;
  logger: Logger;
  /** Called once the worker polls its queue, with the open connection (for schedules and clients). */
  onRunning?: (connection: NativeConnection) => Promise<void> | void;
  /**
   * Time in-flight activities get to finish on shutdown. Default 8 s: inside Docker Compose's 10 s
   * stop timeout; a training cut short resumes from its forest checkpoint when the activity retries.
   */
  shutdownGraceTime?: string;
}

/**
 * Runs one Temporal worker until SIGINT/SIGTERM: connects (waiting for the
 * server), bundles the workflows, polls the queue, touches a liveness file, and
 * on a signal lets in-flight activities finish, then closes the connection.
 */
export async function runWorker(options: WorkerHostOptions): Promise<void> {
  installTemporalRuntime(options.logger);
  const connection = await connectWorker(options.address, options.logger);
  const aliveFile = workerAliveFile(options.taskQueue);
  let timer: NodeJS.Timeout | undefined;
  try {
    const worker = await Worker.create({
      connection,
      namespace: options.namespace,
      taskQueue: options.taskQueue,
      ...workflowSource(options.workflowsPath, options.workflowBundlePath),
      activities: options.activities,
      shutdownGraceTime: options.shutdownGraceTime ?? '8s',
    });
    const touch = () => {
      const now = new Date();
      try {
        utimesSync(aliveFile, now, now);
      } catch {
        writeFileSync(aliveFile, '');
      }
    };
    const running = worker.run();
    touch();
    timer = setInterval(touch, 10_000);
    timer.unref();
    options.logger.info({ taskQueue: options.taskQueue, namespace: options.namespace }, 'worker polling');
    try {
      await options.onRunning?.(connection);
    } catch (error) {
      worker.shutdown();
      await running;
      throw error;
    }
    await running;
    options.logger.info({ taskQueue: options.taskQueue }, 'worker stopped');
  } finally {
    if (timer) clearInterval(timer);
    await connection.close();
  }
}

/** The settings a worker's start-up reads. */
export type WorkerConfig = Pick<
  Config,
  'LOG_LEVEL' | 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_WORKFLOW_BUNDLE'
>;

/** What a start-up hook gets once its worker polls the queue. */
export interface RunningWorker {
  /** A client on the worker's namespace, open until the hook returns. */
  client: Client;
  logger: Logger;
}

export interface WorkerStart {
  /** Service name (`train`, `monitor`); names the logger. */
  service: string;
  config: WorkerConfig;
  taskQueue: string;
  /** Module exporting the workflows of this queue. */
  workflowsPath: string;
  /** Builds the activities of this queue, given the service's logger. */
  activities: (logger: Logger) => object;
  /** Runs once the worker polls its queue (schedules, first runs). If it throws, the worker stops and startWorker rejects. */
  onRunning?: (running: RunningWorker) => Promise<void>;
}

/**
 * Starts a service's worker: a logger at LOG_LEVEL, the queue's activities,
 * then runWorker on TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE until SIGINT/SIGTERM.
 * `onRunning` gets a client connection of its own, closed when it returns.
 * Rejects with the "Temporal is not reachable" error when the server does not
 * come up in time.
 */
export async function startWorker(start: WorkerStart): Promise<void> {
  const { config, onRunning } = start;
  const logger = createLogger({ name: start.service, level: config.LOG_LEVEL });
  await runWorker({
    address: config.TEMPORAL_ADDRESS,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: start.taskQueue,
    workflowsPath: start.workflowsPath,
    workflowBundlePath: config.TEMPORAL_WORKFLOW_BUNDLE,
    activities: start.activities(logger),
    logger,
    onRunning: onRunning && (() => withClient(config, logger, (client) => onRunning({ client, logger }))),
  });
}

/** Opens a client connection (waiting for the server like the worker does), hands a client to `use`, then closes it. */
async function withClient(
  config: WorkerConfig,
  logger: Logger,
  use: (client: Client) => Promise<void>,
): Promise<void> {
  const connection = await connectClient(config.TEMPORAL_ADDRESS, logger);
  try {
    await use(new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }));
  } finally {
    await connection.close();
  }
}
