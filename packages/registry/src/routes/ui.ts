/**
 * The web UI: `/` serves the single page, `/ui/*` its scripts and styles (read
 * once from src/ui at start), and `/ui/vendor/chart.umd.js` Chart.js straight
 * from the installed npm package, so nothing is fetched from a CDN and nothing
 * third-party is copied into the repository.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import { notFound } from '../errors.js';

const UI_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'ui');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * Scripts only from this origin; styles may be inline (Chart.js sets them);
 * images from here and data: URLs; report iframes are srcdoc (sandboxed).
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "frame-src 'self' about:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

interface Asset {
  body: Buffer;
  type: string;
}

function readAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (TYPES[extname(entry.name)]) {
        assets.set(relative(UI_DIR, full).split(sep).join('/'), {
          body: readFileSync(full),
          type: TYPES[extname(entry.name)]!,
        });
      }
    }
  };
  walk(UI_DIR);
  const require = createRequire(import.meta.url);
  // chart.js exports only its module entries; the UMD build sits next to the CommonJS one.
  const chartDist = dirname(require.resolve('chart.js'));
  assets.set('vendor/chart.umd.js', {
    body: readFileSync(join(chartDist, 'chart.umd.min.js')),
    type: TYPES['.js']!,
  });
  return assets;
}

export const uiRoutes: FastifyPluginAsync = async (app) => {
  const assets = readAssets();
  const index = assets.get('index.html');
  if (!index) throw new Error(`The registry UI is missing: no index.html in ${UI_DIR}`);

  app.get('/', async (_request, reply) =>
    reply
      .header('Content-Type', index.type)
      .header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
      .header('X-Content-Type-Options', 'nosniff')
      .header('Cache-Control', 'no-cache')
      .send(index.body),
  );

  app.get('/ui/*', async (request, reply) => {
    const path = (request.params as { '*': string })['*'];
    const asset = assets.get(path);
    if (!asset || path === 'index.html') throw notFound(`No UI file '${path}'`);
    return reply
      .header('Content-Type', asset.type)
      .header('X-Content-Type-Options', 'nosniff')
      .header('Cache-Control', 'no-cache')
      .send(asset.body);
  });
};
