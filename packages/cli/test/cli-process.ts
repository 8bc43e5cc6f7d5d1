/**
 * Runs the real `mlops` binary (bin/mlops.js) as a child process, the way a
 * user does, with MODEL_DIR and DATA_DIR pointed into a temporary folder.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/mlops.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A fresh temporary working folder for one test file. */
export function tempWorkspace(prefix = 'mlops-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs `mlops <args>` in `cwd` and collects its output and exit code. */
export function runMlops(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: {
        ...process.env,
        MODEL_DIR: join(cwd, 'models'),
        DATA_DIR: join(cwd, 'data'),
        LOG_LEVEL: 'silent',
        DEBUG: '',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** True when the text contains a JavaScript stack frame line. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+\(.+:\d+:\d+\)$/m.test(text) || /^\s+at .+:\d+:\d+$/m.test(text);
}
