import { fileURLToPath } from 'node:url';

/**
 * The service entry points of the stack. `pnpm start` runs each as a child
 * process with exactly this entry module, and each Docker image runs the same
 * module (`src/main.ts` of its deployed package), so the native end-to-end test
 * exercises the container entry points too.
 */
export const SERVICE_ENTRY_POINTS = {
  registry: '@mlops/registry/main',
  train: '@mlops/train/main',
  monitor: '@mlops/monitor/main',
  api: '@mlops/api/main',
} as const;

export type ServiceName = keyof typeof SERVICE_ENTRY_POINTS;

/** Absolute path of a service's `src/main.ts`. */
export function serviceEntryFile(service: ServiceName): string {
  return fileURLToPath(import.meta.resolve(SERVICE_ENTRY_POINTS[service]));
}

/** The `--import` argument that lets Node run TypeScript entry points (resolved from this package, not the cwd). */
export function typescriptLoaderArgs(): string[] {
  return ['--import', import.meta.resolve('tsx')];
}

/**
 * The Node arguments that run a service as a child of the CLI: the TypeScript loader, the watch
 * that stops the service when the CLI is gone (parent-watch-preload.mjs), the entry module.
 */
export function serviceProcessArgs(service: ServiceName): string[] {
  return [
    ...typescriptLoaderArgs(),
    '--import',
    import.meta.resolve('./parent-watch-preload.mjs'),
    serviceEntryFile(service),
  ];
}
