import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { MlopsError } from '@mlops/core';

/** The Temporal CLI version the project builds when none is installed. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
/** The Go module that provides the `temporal` command. */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';

/** Raised when the Temporal CLI is neither installed nor buildable. */
export class TemporalCliMissingError extends MlopsError {}

/**
 * Where a built Temporal CLI is cached: MLOPS_TOOLS_DIR, else ~/.cache/mlops/bin.
 * It lives outside the clone so that fresh clones (and CI) reuse one build.
 */
export function defaultToolsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.MLOPS_TOOLS_DIR && env.MLOPS_TOOLS_DIR.trim() !== ''
    ? env.MLOPS_TOOLS_DIR
    : join(homedir(), '.cache', 'mlops', 'bin');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the `temporal` binary: TEMPORAL_CLI, then PATH, then the tools folder.
 * Returns undefined when none is present.
 */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TEMPORAL_CLI && isExecutable(env.TEMPORAL_CLI)) return env.TEMPORAL_CLI;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, 'temporal'))) return join(dir, 'temporal');
  }
  const cached = join(defaultToolsDir(env), 'temporal');
  return isExecutable(cached) ? cached : undefined;
}

/**
 * Returns the path of the `temporal` binary, building it with `go install`
 * into the tools folder when it is missing and Go is available.
 * `onOutput` receives the build's progress lines.
 */
export async function ensureTemporalCli(
  options: { env?: NodeJS.ProcessEnv; onOutput?: (line: string) => void } = {},
): Promise<string> {
  const env = options.env ?? process.env;
  const found = findTemporalCli(env);
  if (found) return found;
  const toolsDir = defaultToolsDir(env);
  mkdirSync(toolsDir, { recursive: true });
  options.onOutput?.(
    `building the Temporal CLI ${TEMPORAL_CLI_VERSION} into ${toolsDir} (once; a few minutes)`,
  );
  const exitCode = await new Promise<number>((resolve, reject) => {
    const child = spawn('go', ['install', `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`], {
      env: { ...env, GOBIN: toolsDir, GOTOOLCHAIN: 'local' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) options.onOutput?.(line);
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(
          new TemporalCliMissingError(
            'The Temporal CLI is not installed and Go is not available to build it. ' +
              'Install Go, or put a `temporal` binary on PATH, or set TEMPORAL_CLI to its path.',
          ),
        );
      } else reject(error);
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
  const built = join(toolsDir, 'temporal');
  if (exitCode !== 0 || !isExecutable(built)) {
    throw new TemporalCliMissingError(
      `Building the Temporal CLI failed (go install exited with ${exitCode}). ` +
        `Run \`GOBIN=${toolsDir} go install ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}\` by hand to see why.`,
    );
  }
  return built;
}
