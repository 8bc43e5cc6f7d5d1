import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A cached virtualenv, or why it cannot be had on this machine. */
export type PythonVenv = { ready: true; python: string } | { ready: false; reason: string };

/** pip's words for "could not reach the index" (a wrong version spec, which lists versions, is not one of them). */
const NETWORK_FAILURE =
  /NewConnectionError|Max retries exceeded|Temporary failure in name resolution|Network is unreachable|Connection refused|ProxyError|SSLError|ReadTimeoutError|timed out/i;

/**
 * A virtualenv at `dir` holding `spec` from PyPI, built once and reused across runs (the registry's
 * MLflow client test and the API's schema fuzzer use it). It is built next to `dir` and renamed into
 * place, so a half-built one is never reused; run its tools as `python -m`, since the renamed
 * console scripts still name the build folder. Not ready only when python3 or PyPI is unavailable;
 * a missing venv module or any other pip failure throws.
 */
export function cachedPythonVenv(dir: string, spec: string, importName: string): PythonVenv {
  if (spawnSync('python3', ['--version']).status !== 0)
    return { ready: false, reason: 'python3 is not installed' };
  const python = join(dir, 'bin', 'python');
  if (existsSync(python) && spawnSync(python, ['-c', `import ${importName}`]).status === 0) {
    return { ready: true, python };
  }
  const building = `${dir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  const venv = spawnSync('python3', ['-m', 'venv', building], { encoding: 'utf8' });
  if (venv.status !== 0) {
    // Debian ships venv separately: a missing python3-venv is a setup fault to fix, not a reason to skip.
    rmSync(building, { recursive: true, force: true });
    throw new Error(
      `python3 -m venv failed (Debian: apt-get install python3-venv, or run scripts/prereqs.sh): ${`${venv.stdout}\n${venv.stderr}`.trim()}`,
    );
  }
  const pip = spawnSync(join(building, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', spec], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (pip.status !== 0) {
    rmSync(building, { recursive: true, force: true });
    const output = `${pip.stdout}\n${pip.stderr}`;
    if (NETWORK_FAILURE.test(output) || pip.error) {
      return {
        ready: false,
        reason: `PyPI is not reachable (pip install ${spec} failed): ${output.trim().slice(-300)}`,
      };
    }
    throw new Error(`pip install ${spec} failed:\n${output}`);
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
  return { ready: true, python };
}
