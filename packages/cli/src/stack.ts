import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, type Config } from '@mlops/core';
import { EXAMPLE_LISTING } from '@mlops/core/listing';
import { writeSyntheticListings } from '@mlops/core/synthetic';
import { TRAINING_WORKFLOW_ID } from '@mlops/temporal';
import { withTemporalClient } from './temporal-client.js';
import { ProcessGroup, type ManagedChild } from './process-group.js';
import { serviceProcessArgs, type ServiceName } from './service-processes.js';
import { devServerCommand, isPortOpen, waitForPort } from './temporal-server.js';

/** Rows of the synthetic listings generated on a first start with an empty data/raw/. */
export const FIRST_RUN_ROWS = 20_000;

export interface StackOptions {
  /** Working folder holding .env, data/, models/, mlruns/. Default: process.cwd(). */
  cwd?: string;
  output?: NodeJS.WritableStream;
  /** How long to wait for the first model to be trained and served. Default 15 min. */
  readyTimeoutMs?: number;
  /** Aborting it while the stack starts stops what was started and rejects. */
  signal?: AbortSignal;
}

export interface RunningStack {
  config: Config;
  urls: { temporalUi: string; registry: string; api: string; apiDocs: string };
  group: ProcessGroup;
  /** Stops every service (see ProcessGroup.stopAll); calling it again returns the same stop. */
  stop(): Promise<void>;
}

function hostPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80)) };
}

async function waitForHttp(url: string, timeoutMs: number, failed: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reason = failed();
    if (reason) throw new Error(reason);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline)
      throw new Error(`${url} did not answer 200 within ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface ServedModel {
  model: { version: string; alias: string } | null;
}

/**
 * Waits until the API serves a model and no first training is still going:
 * on a new stack the monitor starts the training workflow, the API may load
 * the `staging` version before the gate promotes it, and the stack is "up"
 * only once the promoted version is served.
 */
async function waitForProductionModel(
  config: Config,
  apiUrl: string,
  temporalUi: string,
  say: (line: string) => void,
  check: () => string | undefined,
  timeoutMs: number,
): Promise<void> {
  const started = Date.now();
  let lastNote = 0;
  await withTemporalClient(config, async (client) => {
    for (;;) {
      const reason = check();
      if (reason) throw new Error(reason);
      const health = await fetch(`${apiUrl}/health`).then(
        (r) => (r.ok ? (r.json() as Promise<ServedModel>) : null),
        () => null,
      );
      const training = await client.workflow
        .getHandle(TRAINING_WORKFLOW_ID)
        .describe()
        .then(
          (d) => d.status.name,
          () => 'NONE',
        );
      if (health?.model && (health.model.alias === 'production' || training !== 'RUNNING')) return;
      if (Date.now() - started > timeoutMs) {
        throw new Error(
          'No production model was served in time: see the train worker output above and the Temporal UI.',
        );
      }
      if (Date.now() - lastNote > 15_000) {
        lastNote = Date.now();
        say(
          training === 'RUNNING'
            ? `training the first model (workflow ${TRAINING_WORKFLOW_ID}; watch it at ${temporalUi})`
            : 'waiting for the API to load a model',
        );
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  });
}

function hasListings(rawDir: string): boolean {
  return existsSync(rawDir) && readdirSync(rawDir).some((f) => f.toLowerCase().endsWith('.csv'));
}

/**
 * Starts the whole stack as child processes of this one: the Temporal dev
 * server (unless one already answers at TEMPORAL_ADDRESS), the registry, the
 * training and monitoring workers and the API. Resolves once the API serves a
 * model; on a first start that includes generating listings and training.
 * From then on a crashed service is restarted with a backoff (see ProcessGroup).
 */
export async function startStack(options: StackOptions = {}): Promise<RunningStack> {
  const cwd = resolve(options.cwd ?? process.cwd());
  if (cwd !== process.cwd()) process.chdir(cwd);
  const config = loadConfig();
  const output = options.output ?? process.stdout;
  const names = ['temporal', 'registry', 'train', 'monitor', 'api', 'stack'];
  const group = new ProcessGroup(output, undefined, names);
  const say = (line: string) => group.log('stack', line, 5);
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_FORMAT: process.env.LOG_FORMAT ?? ((output as NodeJS.WriteStream).isTTY ? 'pretty' : 'json'),
  };

  // Until the stack is up, a service that ends is a failure to start (a bad configuration, a port
  // taken): report it and stop. Once up, the group restarts crashed services instead.
  let failure: string | undefined;
  let ready = false;
  group.onUnexpectedExit = (child: ManagedChild, code) => {
    if (failure !== undefined || ready) return;
    failure = `${child.name} exited unexpectedly (${code}); stopping the stack`;
    say(failure);
  };
  const check = () => failure ?? (options.signal?.aborted ? 'stopped before the stack was up' : undefined);

  try {
    const rawDir = join(config.DATA_DIR, 'raw');
    if (!hasListings(rawDir)) {
      const file = join(rawDir, 'listings.csv');
      say(`no listings in ${rawDir}/: generating ${FIRST_RUN_ROWS} synthetic listings into ${file}`);
      await writeSyntheticListings(file, { rows: FIRST_RUN_ROWS, seed: config.TRAIN_SEED });
    }

    const [temporalHost, temporalPort] = config.TEMPORAL_ADDRESS.split(':');
    let temporalUi = `http://localhost:${config.TEMPORAL_UI_PORT}`;
    if (await isPortOpen(temporalHost!, Number(temporalPort))) {
      say(`using the Temporal server already running at ${config.TEMPORAL_ADDRESS}`);
    } else {
      const server = await devServerCommand({
        address: config.TEMPORAL_ADDRESS,
        uiPort: config.TEMPORAL_UI_PORT,
        namespace: config.TEMPORAL_NAMESPACE,
        dbFile: join(config.DATA_DIR, 'temporal', 'temporal.db'),
        onOutput: (line) => group.log('temporal', line, 0),
      });
      group.start({ name: 'temporal', command: server.command, args: server.args, env: childEnv });
      await waitForPort(server.host, server.port, 60_000, check);
      temporalUi = server.uiUrl;
    }

    const service = (name: ServiceName) =>
      group.start({
        name,
        command: process.execPath,
        args: serviceProcessArgs(name),
        env: childEnv,
      });

    const registry = hostPort(config.REGISTRY_URL);
    if (await isPortOpen(registry.host, config.REGISTRY_PORT)) {
      throw new Error(
        `Port ${config.REGISTRY_PORT} is already in use (REGISTRY_PORT): stop what runs there or pick another port.`,
      );
    }
    if (await isPortOpen('127.0.0.1', config.API_PORT)) {
      throw new Error(
        `Port ${config.API_PORT} is already in use (API_PORT): stop what runs there or pick another port.`,
      );
    }
    service('registry');
    await waitForHttp(`${config.REGISTRY_URL}/health`, 60_000, check);
    service('train');
    service('monitor');
    service('api');
    const apiUrl = config.API_URL.replace(/\/$/, '');
    await waitForHttp(`${apiUrl}/health`, 60_000, check);

    await waitForProductionModel(config, apiUrl, temporalUi, say, check, options.readyTimeoutMs ?? 900_000);

    const urls = {
      temporalUi,
      registry: config.REGISTRY_URL.replace(/\/$/, ''),
      api: apiUrl,
      apiDocs: `${apiUrl}/docs`,
    };
    ready = true;
    group.superviseRestarts(say);
    return { config, urls, group, stop: () => group.stopAll() };
  } catch (error) {
    await group.stopAll();
    throw error;
  }
}

/** The lines printed once the stack serves predictions. */
export function readyBanner(urls: RunningStack['urls']): string {
  const example = JSON.stringify(EXAMPLE_LISTING);

  return [
    '',
    'The stack is up:',
    `  Temporal UI   ${urls.temporalUi}`,
    `  Registry UI   ${urls.registry}`,
    `  API           ${urls.api}`,
    `  API docs      ${urls.apiDocs}`,
    '',
    'Try a prediction:',
    `  curl -s -X POST ${urls.api}/predict -H 'content-type: application/json' \\`,
    `    -d '${example}'`,
    '',
    'A service that crashes is restarted (after 1 s, doubling to 30 s); the others keep running.',
    'Press Ctrl-C to stop everything.',
    '',
  ].join('\n');
}
