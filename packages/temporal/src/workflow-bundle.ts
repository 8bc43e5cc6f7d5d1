/**
 * Workflow bundles built ahead of time. A worker normally bundles its workflow
 * code at start from source; the Docker images instead bundle it while they are
 * built, where the workspace packages are still source folders, because in the
 * deployed image they sit under node_modules, which the bundler does not
 * compile. Run as a script:
 *
 *   node --import tsx packages/temporal/src/workflow-bundle.ts <workflows.ts> <bundle.js>
 */
import { existsSync, realpathSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '@mlops/core';
import { bundleWorkflowCode } from '@temporalio/worker';

/** Bundles the workflows exported by `workflowsPath` into one file at `outPath`; returns its size in bytes. */
export async function writeWorkflowBundle(workflowsPath: string, outPath: string): Promise<number> {
  if (!existsSync(workflowsPath)) throw new ConfigError(`workflow module ${workflowsPath} does not exist`);
  const { code } = await bundleWorkflowCode({ workflowsPath: resolve(workflowsPath) });
  await mkdir(dirname(resolve(outPath)), { recursive: true });
  await writeFile(outPath, code, 'utf8');
  return Buffer.byteLength(code);
}

/**
 * Where a worker gets its workflow code: the prebuilt bundle named by
 * TEMPORAL_WORKFLOW_BUNDLE when set (it must exist), else its workflows module.
 */
export function workflowSource(
  workflowsPath: string,
  bundlePath: string | undefined,
): { workflowsPath: string } | { workflowBundle: { codePath: string } } {
  if (bundlePath === undefined) return { workflowsPath };
  if (!existsSync(bundlePath)) {
    throw new ConfigError(
      `TEMPORAL_WORKFLOW_BUNDLE="${bundlePath}": no such file; build it with ` +
        '`node --import tsx packages/temporal/src/workflow-bundle.ts <workflows.ts> <bundle.js>` or unset the variable',
    );
  }
  return { workflowBundle: { codePath: resolve(bundlePath) } };
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  const [workflowsPath, outPath] = process.argv.slice(2);
  if (!workflowsPath || !outPath) {
    process.stderr.write('usage: node --import tsx workflow-bundle.ts <workflows.ts> <bundle.js>\n');
    process.exit(2);
  }
  writeWorkflowBundle(workflowsPath, outPath).then(
    (bytes) => process.stdout.write(`workflow bundle: ${outPath} (${Math.round(bytes / 1024)} KiB)\n`),
    (error: unknown) => {
      process.stderr.write(`workflow bundle: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
