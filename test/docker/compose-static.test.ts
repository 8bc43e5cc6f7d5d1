/**
 * The container setup checked statically, in a second: the compose file parses,
 * everything it builds and runs exists, the configuration it passes is the
 * configuration the code reads, and ports agree. compose.test.ts runs it for real.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '@mlops/core';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  healthcheck?: unknown;
  restart?: string;
  volumes?: string[];
  env_file?: unknown;
  profiles?: string[];
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes: object;
};
const appServices = ['registry', 'train', 'monitor', 'api'] as const;
const defaults = loadConfig({});

/** `${NAME:-default}` references in a text. */
function interpolations(text: string): { name: string; fallback: string | undefined }[] {
  return [...text.matchAll(/\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g)].map((m) => ({
    name: m[1]!,
    fallback: m[2],
  }));
}

/** Variables listed in .env.example, set or commented out (`# NAME=`). */
function envExampleVariables(): Set<string> {
  const names = new Set<string>();
  for (const line of read('.env.example').split('\n')) {
    const match = /^#?\s*([A-Z][A-Z0-9_]+)=/.exec(line);
    if (match) names.add(match[1]!);
  }
  return names;
}

/** Environment variables the source reads directly (process.env.X / env.X), besides the config schema. */
function variablesReadBySource(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (entry === 'node_modules') continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|mjs|js)$/.test(entry)) {
        for (const m of readFileSync(path, 'utf8').matchAll(/\b(?:process\.env|env)\.([A-Z][A-Z0-9_]+)/g))
          names.add(m[1]!);
      }
    }
  };
  for (const pkg of readdirSync(join(root, 'packages'))) {
    if (existsSync(join(root, 'packages', pkg, 'src'))) walk(join(root, 'packages', pkg, 'src'));
  }
  // Set by runtimes and tools, not by users of the stack.
  for (const name of ['NODE_ENV', 'PATH', 'CI', 'HOME', 'DEBUG', 'FORCE_COLOR', 'NO_COLOR'])
    names.delete(name);
  return names;
}

describe('docker-compose.yml', () => {
  it('has the Temporal server, its UI and the four services', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'api',
      'monitor',
      'registry',
      'temporal',
      'temporal-ui',
      'train',
    ]);
    expect(compose.volumes).toHaveProperty('temporal-state');
    for (const volume of ['data', 'models', 'mlruns']) expect(compose.volumes).toHaveProperty(volume);
    expect(compose.services.temporal!.volumes).toContain('temporal-state:/var/lib/temporal');
  });

  it.each(appServices)(
    'builds %s from an existing context and a multi-stage, non-root Dockerfile',
    (name) => {
      const service = compose.services[name]!;
      expect(service.build).toBeDefined();
      expect(existsSync(join(root, service.build!.context))).toBe(true);
      const dockerfile = read(join(service.build!.context, service.build!.dockerfile));
      expect(service.build!.dockerfile).toBe(`Dockerfile.${name}`);
      expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
      expect(dockerfile).toMatch(/--prod\b/);
      expect(dockerfile).toMatch(/^USER node$/m);
      expect(dockerfile).toMatch(/^HEALTHCHECK /m);
      expect(dockerfile).toContain(`deploy --legacy --prod /app`);
      expect(dockerfile).toContain(`@mlops/${name}`);
    },
  );

  it.each(appServices)('runs %s with the entry point its Dockerfile and `pnpm start` use', (name) => {
    const service = compose.services[name]!;
    expect(service.command).toEqual(['node', '--import', 'tsx', 'src/main.ts']);
    expect(read(`Dockerfile.${name}`)).toContain('CMD ["node", "--import", "tsx", "src/main.ts"]');
    expect(existsSync(join(root, 'packages', name, 'src', 'main.ts'))).toBe(true);
  });

  it.each(appServices)('gives %s the env file, data bind mounts and a restart policy', (name) => {
    const service = compose.services[name]!;
    expect(service.env_file).toEqual([{ path: '.env', required: false }]);
    expect(service.volumes).toEqual(['data:/app/data', 'models:/app/models', 'mlruns:/app/mlruns']);
    expect(service.restart).toBe('unless-stopped');
  });

  it('starts services only after what they need is healthy', () => {
    for (const name of ['train', 'monitor', 'api'] as const) {
      expect(compose.services[name]!.depends_on?.registry).toEqual({ condition: 'service_healthy' });
    }
    for (const name of ['train', 'monitor'] as const) {
      expect(compose.services[name]!.depends_on?.temporal).toMatchObject({
        condition: 'service_healthy',
        required: false,
      });
    }
    expect(compose.services.temporal!.healthcheck).toBeDefined();
  });

  it('publishes the ports the code listens on by default', () => {
    const text = read('docker-compose.yml');
    const fallbacks = new Map(interpolations(text).map((i) => [i.name, i.fallback]));
    expect(Number(fallbacks.get('REGISTRY_PORT'))).toBe(defaults.REGISTRY_PORT);
    expect(Number(fallbacks.get('API_PORT'))).toBe(defaults.API_PORT);
    expect(Number(fallbacks.get('TEMPORAL_UI_PORT'))).toBe(defaults.TEMPORAL_UI_PORT);
    expect(compose.services.temporal!.ports).toEqual([`${defaults.TEMPORAL_ADDRESS.split(':')[1]}:7233`]);
    expect(read('Dockerfile.registry')).toContain(`EXPOSE ${defaults.REGISTRY_PORT}`);
    expect(read('Dockerfile.api')).toContain(`EXPOSE ${defaults.API_PORT}`);
    expect(compose.services.api!.ports).toEqual(['${API_PORT:-8081}:${API_PORT:-8081}']);
    expect(compose.services.registry!.ports).toEqual(['${REGISTRY_PORT:-5000}:${REGISTRY_PORT:-5000}']);
  });
});

describe('.env.example', () => {
  const documented = envExampleVariables();
  const composeReads = new Set(
    ['docker-compose.yml', 'docker-compose.scale.yml'].flatMap((file) =>
      interpolations(read(file)).map((i) => i.name),
    ),
  );
  composeReads.add('COMPOSE_PROFILES');

  it('documents every variable the code reads', () => {
    const read = new Set([...CONFIG_VARIABLES, ...variablesReadBySource()]);
    const missing = [...read].filter((name) => !documented.has(name));
    expect(missing).toEqual([]);
  });

  it('lists only variables that the code or Docker Compose reads', () => {
    const read = new Set<string>([...CONFIG_VARIABLES, ...variablesReadBySource(), ...composeReads]);
    const unread = [...documented].filter((name) => !read.has(name));
    expect(unread).toEqual([]);
  });

  it('states each configuration default as the code has it', () => {
    const text = read('.env.example');
    for (const name of CONFIG_VARIABLES) {
      const match = new RegExp(`^#?\\s*${name}=(.*)$`, 'm').exec(text);
      const value = match?.[1] ?? '';
      if (value === '') continue; // documented as unset
      const parsed = loadConfig({ [name]: value });
      expect(parsed[name], name).toEqual(defaults[name]);
    }
  });
});

describe('docker-compose.scale.yml', () => {
  // `!reset []` (Compose 2.24+) empties a list of the base file, here the replicas' published ports.
  const reset = { tag: '!reset', collection: 'seq' as const, resolve: () => [] };
  const scale = parse(read('docker-compose.scale.yml'), { merge: true, customTags: [reset] }) as {
    services: Record<string, ComposeService & { deploy?: { replicas?: number }; entrypoint?: string[] }>;
    volumes: object;
  };

  it('adds PostgreSQL, the S3 store and the balancer, with replicas of the registry and the API', () => {
    expect(Object.keys(scale.services)).toEqual(
      expect.arrayContaining(['postgres', 's3', 's3-bucket', 'lb', 'registry', 'api', 'train', 'monitor']),
    );
    expect(scale.services.api!.deploy?.replicas).toBe(3);
    expect(scale.services.registry!.deploy?.replicas).toBeGreaterThanOrEqual(2);
    // Only the balancer publishes the API and registry ports; replicas cannot share a host port.
    expect(scale.services.lb!.ports).toEqual(['${API_PORT:-8081}:8081', '${REGISTRY_PORT:-5000}:5000']);
  });

  it('passes only variables the configuration reads, with valid values', () => {
    for (const name of ['registry', 'train', 'monitor', 'api'] as const) {
      const environment = scale.services[name]!.environment ?? {};
      for (const variable of Object.keys(environment)) {
        expect(CONFIG_VARIABLES, `${name}: ${variable}`).toContain(variable);
      }
      // Defaults of ${...} substituted, as Compose would without a .env.
      const resolved = Object.fromEntries(
        Object.entries(environment).map(([k, v]) => [
          k,
          String(v).replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1'),
        ]),
      );
      expect(() => loadConfig(resolved), name).not.toThrow();
    }
    expect(scale.services.registry!.environment!.REGISTRY_DB).toMatch(
      /^postgresql:\/\/.*@postgres:5432\/registry$/,
    );
    expect(scale.services.registry!.environment!.REGISTRY_ARTIFACT_ROOT).toMatch(/^s3:\/\//);
    for (const name of ['api', 'monitor', 'train'] as const) {
      expect(scale.services[name]!.environment!.PRODUCTION_LOG_URL, name).toMatch(
        /@postgres:5432\/production$/,
      );
    }
  });

  it('ships the files it mounts', () => {
    for (const service of Object.values(scale.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('./')) expect(existsSync(join(root, source)), source).toBe(true);
      }
    }
  });
});
