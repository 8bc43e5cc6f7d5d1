import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { artifactBackends, localBackend, type ArtifactBackend } from './artifacts-backends.js';
import { errorOf, tempDir, tempRegistry, type TempRegistry } from './temp-registry.js';

const ART = '/api/2.0/mlflow-artifacts/artifacts';

let registry: TempRegistry;
let runId: string;
let runPath: string;

/** A fresh registry with small limits and one run, its artifacts on `backend`. */
async function freshRegistry(backend: ArtifactBackend): Promise<void> {
  registry = await tempRegistry({ uploadLimit: 1024, bodyLimit: 512, ...backend.options() });
  const run = await registry.ok<{ run: { info: { run_id: string; artifact_uri: string } } }>(
    'POST',
    'runs/create',
    {},
  );
  runId = run.run.info.run_id;
  runPath = run.run.info.artifact_uri.replace('mlflow-artifacts:/', '');
}

function put(path: string, payload: string | Buffer, contentType = 'application/octet-stream') {
  return registry.app.inject({
    method: 'PUT',
    url: `${ART}/${path}`,
    payload,
    headers: { 'content-type': contentType },
  });
}

async function listeningPort(): Promise<number> {
  if (!registry.app.server.listening) await registry.app.listen({ port: 0, host: '127.0.0.1' });
  return (registry.app.server.address() as AddressInfo).port;
}

/** A raw HTTP request whose path is sent byte for byte (no client-side normalisation of `..`). */
async function rawRequest(
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; body: string }> {
  const port = await listeningPort();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe.each(artifactBackends)('artifacts on the $name', (backend) => {
  beforeAll(() => backend.start(), 60_000);
  afterAll(() => backend.stop());
  beforeEach(() => freshRegistry(backend));
  afterEach(() => registry.close());

  describe('proxied artifacts', () => {
    it('stores uploads of any type under <root>/<experiment>/<run>/artifacts and serves them as attachments', async () => {
      expect(
        (await put(`${runPath}/plots/cm.png`, Buffer.from([0x89, 0x50, 0x4e, 0x47]), 'image/png')).statusCode,
      ).toBe(200);
      // A .json upload is stored verbatim, not parsed; an empty file is fine.
      expect((await put(`${runPath}/metrics.json`, '{"not": "parsed"', 'application/json')).statusCode).toBe(
        200,
      );
      expect((await put(`${runPath}/empty.txt`, '', 'text/plain')).statusCode).toBe(200);
      expect((await backend.read(registry.artifactRoot, `${runPath}/metrics.json`))?.toString('utf8')).toBe(
        '{"not": "parsed"',
      );

      const png = await registry.app.inject({ method: 'GET', url: `${ART}/${runPath}/plots/cm.png` });
      expect(png.statusCode).toBe(200);
      expect(png.headers['content-type']).toBe('image/png');
      expect(png.headers['content-disposition']).toMatch(/^attachment; filename="cm.png"/);
      expect(png.headers['x-content-type-options']).toBe('nosniff');
      expect(png.rawPayload).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
      expect((await registry.app.inject({ method: 'GET', url: `${ART}/${runPath}/empty.txt` })).body).toBe(
        '',
      );
    });

    it('replaces an existing file and leaves no temporary files behind', async () => {
      await put(`${runPath}/a.txt`, 'one');
      await put(`${runPath}/a.txt`, 'two');
      expect((await registry.app.inject({ method: 'GET', url: `${ART}/${runPath}/a.txt` })).body).toBe('two');
      expect(await backend.entries(registry.artifactRoot, runPath)).toEqual(['a.txt']);
    });

    it('lists folders with ?path= (names relative to the folder), and a file or missing folder as {}', async () => {
      await put(`${runPath}/plots/a.png`, 'a');
      await put(`${runPath}/report.md`, '# hi');
      const root = await registry.app.inject({
        method: 'GET',
        url: `${ART}?path=${encodeURIComponent(runPath)}`,
      });
      expect(root.json()).toEqual({
        files: [
          { path: 'plots', is_dir: true },
          { path: 'report.md', is_dir: false, file_size: 4 },
        ],
      });
      const plots = await registry.app.inject({ method: 'GET', url: `${ART}?path=${runPath}/plots` });
      expect(plots.json()).toEqual({ files: [{ path: 'a.png', is_dir: false, file_size: 1 }] });
      expect(
        (await registry.app.inject({ method: 'GET', url: `${ART}?path=${runPath}/report.md` })).json(),
      ).toEqual({});
      expect(
        (await registry.app.inject({ method: 'GET', url: `${ART}?path=${runPath}/none` })).json(),
      ).toEqual({});
    });

    it('lists run artifacts with run-relative paths through /mlflow/artifacts/list', async () => {
      await put(`${runPath}/plots/a.png`, 'a');
      const root = await registry.ok('GET', 'artifacts/list', { run_id: runId });
      expect(root).toEqual({
        root_uri: `mlflow-artifacts:/${runPath}`,
        files: [{ path: 'plots', is_dir: true }],
      });
      const plots = await registry.ok('GET', 'artifacts/list', { run_id: runId, path: 'plots' });
      expect(plots).toEqual({
        root_uri: `mlflow-artifacts:/${runPath}`,
        files: [{ path: 'plots/a.png', is_dir: false, file_size: 1 }],
      });
      expect(
        errorOf(await registry.call('GET', 'artifacts/list', { run_id: runId, path: '../..' })).status,
      ).toBe(400);
      expect(errorOf(await registry.call('GET', 'artifacts/list', { run_id: 'nope' })).status).toBe(404);
    });

    it('deletes files and answers 404 for missing artifacts', async () => {
      await put(`${runPath}/a.txt`, 'a');
      expect(
        (await registry.app.inject({ method: 'DELETE', url: `${ART}/${runPath}/a.txt` })).statusCode,
      ).toBe(200);
      const missing = await registry.app.inject({ method: 'GET', url: `${ART}/${runPath}/a.txt` });
      expect(errorOf(missing)).toMatchObject({ status: 404, error_code: 'RESOURCE_DOES_NOT_EXIST' });
      expect(
        (await registry.app.inject({ method: 'DELETE', url: `${ART}/${runPath}/a.txt` })).statusCode,
      ).toBe(404);
    });
  });

  describe('artifact path confinement', () => {
    it.each([
      `0/%2e%2e/%2e%2e/escape.txt`,
      `0/..%2f..%2fescape.txt`,
      `%2fetc/passwd`,
      `0/a%5c..%5c..%5cescape.txt`,
      `0/%252e%252e/x`,
    ])('refuses the raw path %s on upload and download with 400 and writes nothing outside', async (path) => {
      // (`%252e%252e` decodes once to the literal name "%2e%2e": refused too, as an encoded escape.)
      const upload = await rawRequest('PUT', `${ART}/${path}`, 'evil');
      expect(upload.status).toBe(400);
      expect(JSON.parse(upload.body)).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
      const download = await rawRequest('GET', `${ART}/${path}`);
      expect([400, 404]).toContain(download.status);
      expect(await backend.storedOutside(registry.artifactRoot, registry.dir, 'escape.txt')).toBe(false);
    });

    it('refuses a literal .. path over real HTTP and in the list query', async () => {
      const upload = await rawRequest('PUT', `${ART}/0/../../escape.txt`, 'evil');
      // Either the router normalises it away from the artifact routes (404) or the path check refuses it (400).
      expect([400, 404]).toContain(upload.status);
      expect(await backend.storedOutside(registry.artifactRoot, registry.dir, 'escape.txt')).toBe(false);
      const list = await registry.app.inject({
        method: 'GET',
        url: `${ART}?path=${encodeURIComponent('../..')}`,
      });
      expect(errorOf(list)).toMatchObject({ status: 400, error_code: 'INVALID_PARAMETER_VALUE' });
      const absolute = await registry.app.inject({
        method: 'GET',
        url: `${ART}?path=${encodeURIComponent('/etc')}`,
      });
      expect(errorOf(absolute).status).toBe(400);
    });
  });

  describe('size limits', () => {
    it('refuses an upload over the limit with 413 RESOURCE_LIMIT_EXCEEDED and keeps no partial file', async () => {
      const response = await put(`${runPath}/big.bin`, Buffer.alloc(2048, 1));
      expect(errorOf(response)).toMatchObject({ status: 413, error_code: 'RESOURCE_LIMIT_EXCEEDED' });
      expect(await backend.read(registry.artifactRoot, `${runPath}/big.bin`)).toBeUndefined();
      expect(await backend.entries(registry.artifactRoot, runPath)).toEqual([]);
      expect((await put(`${runPath}/ok.bin`, Buffer.alloc(1024, 1))).statusCode).toBe(200);
    });

    it('refuses a streamed upload that grows past the limit without a Content-Length', async () => {
      const response = await rawRequestChunked(`${ART}/${runPath}/stream.bin`, [
        Buffer.alloc(800),
        Buffer.alloc(800),
      ]);
      expect(response.status).toBe(413);
      expect(await backend.read(registry.artifactRoot, `${runPath}/stream.bin`)).toBeUndefined();
      // No temporary file, no open multipart upload: nothing at all.
      expect(await backend.entries(registry.artifactRoot, runPath)).toEqual([]);
    });

    it('refuses a JSON body over the body limit with 413', async () => {
      const response = await registry.call('POST', 'runs/set-tag', {
        run_id: runId,
        key: 'k',
        value: 'x'.repeat(600),
      });
      expect(errorOf(response)).toMatchObject({ status: 413, error_code: 'RESOURCE_LIMIT_EXCEEDED' });
    });
  });
});

describe('artifact path confinement on the local folder', () => {
  beforeEach(() => freshRegistry(localBackend));
  afterEach(() => registry.close());

  it('refuses symlinks that lead out of the artifact root, for reads, writes and listings', async () => {
    const outside = tempDir('registry-outside-');
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    mkdirSync(join(registry.artifactRoot, runPath), { recursive: true });
    symlinkSync(outside, join(registry.artifactRoot, runPath, 'link'));
    symlinkSync(join(outside, 'secret.txt'), join(registry.artifactRoot, runPath, 'secret-link.txt'));

    const read = await registry.app.inject({ method: 'GET', url: `${ART}/${runPath}/link/secret.txt` });
    expect(errorOf(read)).toMatchObject({ status: 400, error_code: 'INVALID_PARAMETER_VALUE' });
    expect(
      (await registry.app.inject({ method: 'GET', url: `${ART}/${runPath}/secret-link.txt` })).statusCode,
    ).toBe(400);
    const write = await put(`${runPath}/link/planted.txt`, 'x');
    expect(errorOf(write).status).toBe(400);
    expect(existsSync(join(outside, 'planted.txt'))).toBe(false);
    const overwrite = await put(`${runPath}/secret-link.txt`, 'x');
    expect(errorOf(overwrite).status).toBe(400);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
    const list = await registry.app.inject({ method: 'GET', url: `${ART}?path=${runPath}` });
    expect(list.json()).toEqual({});
    expect(
      (await registry.app.inject({ method: 'GET', url: `${ART}?path=${runPath}/link` })).statusCode,
    ).toBe(400);
  });
});

async function rawRequestChunked(path: string, chunks: Buffer[]): Promise<{ status: number; body: string }> {
  const port = await listeningPort();
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'PUT', path, headers: { 'transfer-encoding': 'chunked' } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      // The server may answer 413 and close before the last chunk is written.
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') resolve({ status: 413, body: '' });
      else reject(error);
    });
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}
