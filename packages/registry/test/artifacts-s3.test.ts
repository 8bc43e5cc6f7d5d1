/**
 * What only the S3 artifact store does: multipart uploads of large files, the
 * limit on a multipart upload in flight, folders made of key prefixes, replicas
 * sharing a bucket, and clear errors for a store that is misconfigured or down.
 * Against a real SeaweedFS S3 server; the bucket is inspected directly.
 */
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteBucketCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PART_BYTES } from '../src/artifacts/s3-artifact-repository.js';
import { allKeys, openUploads, S3Backend } from './artifacts-backends.js';
import { errorOf, tempRegistry, type TempRegistry } from './temp-registry.js';

const ART = '/api/2.0/mlflow-artifacts/artifacts';
const MiB = 1024 * 1024;

const backend = new S3Backend();
let s3: S3Client;
const registries: TempRegistry[] = [];

beforeAll(async () => {
  await backend.start();
  s3 = backend.client;
}, 60_000);
afterEach(async () => {
  for (const registry of registries.splice(0)) await registry.close();
});
afterAll(() => backend.stop());

async function s3Registry(options: Parameters<typeof tempRegistry>[0] = {}): Promise<TempRegistry> {
  const registry = await tempRegistry({ ...backend.options(), ...options });
  registries.push(registry);
  return registry;
}

/** Key prefix of a registry's artifact root inside the bucket. */
function prefixOf(registry: TempRegistry): string {
  return registry.artifactRoot.replace(/^s3:\/\/[^/]+\//, '');
}

async function urlOf(registry: TempRegistry): Promise<string> {
  if (!registry.app.server.listening) await registry.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(registry.app.server.address() as AddressInfo).port}`;
}

/**
 * PUTs `chunks` with chunked transfer encoding (no Content-Length, so only the
 * streaming limit can stop it); `abortAfter` destroys the request after that
 * many chunks, as a client that goes away.
 */
async function streamUpload(
  url: string,
  path: string,
  chunks: Buffer[],
  abortAfter?: number,
): Promise<{ status: number; body: string }> {
  const target = new URL(`${ART}/${path}`, url);
  let answered = false;
  return new Promise((resolve, reject) => {
    const req = request(target, { method: 'PUT', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        answered = true;
        // As HTTP clients do: once answered (a 413 mid-file), stop sending the rest.
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body: text });
      });
    });
    req.on('error', (error) => {
      if (answered) return;
      if (abortAfter !== undefined) resolve({ status: 0, body: 'aborted by the client' });
      else reject(error);
    });
    const write = async (): Promise<void> => {
      for (const [index, chunk] of chunks.entries()) {
        if (answered) return;
        if (abortAfter !== undefined && index === abortAfter) {
          req.destroy();
          return;
        }
        if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
      }
      req.end();
    };
    void write();
  });
}

async function createRun(registry: TempRegistry): Promise<string> {
  const run = await registry.ok<{ run: { info: { artifact_uri: string } } }>('POST', 'runs/create', {});
  return run.run.info.artifact_uri.replace('mlflow-artifacts:/', '');
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('large uploads', () => {
  it('sends a file larger than two parts as a multipart upload and reads it back byte-identical', async () => {
    const registry = await s3Registry();
    const runPath = await createRun(registry);
    const url = await urlOf(registry);
    const chunks = Array.from({ length: 20 }, () => randomBytes(MiB));
    const original = Buffer.concat(chunks);
    expect(original.length).toBeGreaterThan(2 * PART_BYTES);

    const upload = await streamUpload(url, `${runPath}/model/bundle.bin`, chunks);
    expect(upload).toEqual({ status: 200, body: '{}' });

    const download = await fetch(`${url}${ART}/${runPath}/model/bundle.bin`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-length')).toBe(String(original.length));
    expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(sha256(original));

    // Three parts of 8, 8 and 4 MiB: S3 marks a multipart object's ETag with its part count.
    const head = await s3.send(
      new HeadObjectCommand({
        Bucket: backend.server.bucket,
        Key: `${prefixOf(registry)}/${runPath}/model/bundle.bin`,
      }),
    );
    expect(head.ContentLength).toBe(original.length);
    expect(head.ETag).toMatch(/-3"?$/);
    expect(await openUploads(s3, backend.server.bucket, prefixOf(registry))).toEqual([]);
  });

  it('aborts a multipart upload that grows past the limit: 413, no object and no parts left', async () => {
    // The limit lies past the first 8 MiB part, so a part is already stored when the limit trips.
    const registry = await s3Registry({ uploadLimit: 12 * MiB });
    const runPath = await createRun(registry);
    const url = await urlOf(registry);
    const response = await streamUpload(
      url,
      `${runPath}/too-big.bin`,
      Array.from({ length: 20 }, () => randomBytes(MiB)),
    );
    expect(response.status).toBe(413);
    const prefix = prefixOf(registry);
    expect(await allKeys(s3, backend.server.bucket, prefix)).toEqual([]);
    await until(
      async () => (await openUploads(s3, backend.server.bucket, prefix)).length === 0,
      'the multipart upload to be aborted',
    );
    const listing = await registry.app.inject({ method: 'GET', url: `${ART}?path=${runPath}` });
    expect(listing.json()).toEqual({});
  });

  it('aborts the upload of a client that goes away mid-file, leaving nothing behind', async () => {
    const registry = await s3Registry();
    const runPath = await createRun(registry);
    const url = await urlOf(registry);
    const chunks = Array.from({ length: 20 }, () => randomBytes(MiB));
    await streamUpload(url, `${runPath}/half.bin`, chunks, 12);
    const prefix = prefixOf(registry);
    await until(
      async () => (await openUploads(s3, backend.server.bucket, prefix)).length === 0,
      'the abandoned multipart upload to be aborted',
    );
    expect(await allKeys(s3, backend.server.bucket, prefix)).toEqual([]);
  });
});

describe('folders as key prefixes', () => {
  it('lists a folder of more than one listing page and deletes it in batches', async () => {
    const registry = await s3Registry();
    const runPath = await createRun(registry);
    const prefix = prefixOf(registry);
    const count = 1001; // one past both the listing page and the DeleteObjects batch
    for (let start = 0; start < count; start += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, count - start) }, (_, i) =>
          s3.send(
            new PutObjectCommand({
              Bucket: backend.server.bucket,
              Key: `${prefix}/${runPath}/many/f${String(start + i).padStart(4, '0')}.txt`,
              Body: 'x',
            }),
          ),
        ),
      );
    }
    await s3.send(
      new PutObjectCommand({
        Bucket: backend.server.bucket,
        Key: `${prefix}/${runPath}/keep.txt`,
        Body: 'k',
      }),
    );

    const listing = await registry.app.inject({ method: 'GET', url: `${ART}?path=${runPath}/many` });
    const files = listing.json<{ files: { path: string; is_dir: boolean; file_size: number }[] }>().files;
    expect(files).toHaveLength(count);
    expect(files[0]).toEqual({ path: 'f0000.txt', is_dir: false, file_size: 1 });
    expect(files[count - 1]!.path).toBe('f1000.txt');

    const removed = await registry.app.inject({ method: 'DELETE', url: `${ART}/${runPath}/many` });
    expect(removed.statusCode).toBe(200);
    expect(await allKeys(s3, backend.server.bucket, `${prefix}/${runPath}/`)).toEqual([
      `${prefix}/${runPath}/keep.txt`,
    ]);
    const again = await registry.app.inject({ method: 'DELETE', url: `${ART}/${runPath}/many` });
    expect(errorOf(again)).toMatchObject({ status: 404, error_code: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('refuses to write a file over a folder, and lists nested folders once', async () => {
    const registry = await s3Registry();
    const runPath = await createRun(registry);
    for (const path of ['plots/a/1.png', 'plots/a/2.png', 'plots/b.png']) {
      const put = await registry.app.inject({
        method: 'PUT',
        url: `${ART}/${runPath}/${path}`,
        payload: 'p',
      });
      expect(put.statusCode).toBe(200);
    }
    const over = await registry.app.inject({ method: 'PUT', url: `${ART}/${runPath}/plots`, payload: 'x' });
    expect(errorOf(over)).toMatchObject({ status: 400, error_code: 'INVALID_PARAMETER_VALUE' });
    expect(errorOf(over).message).toMatch(/is a directory/);
    const plots = await registry.app.inject({ method: 'GET', url: `${ART}?path=${runPath}/plots` });
    expect(plots.json()).toEqual({
      files: [
        { path: 'a', is_dir: true },
        { path: 'b.png', is_dir: false, file_size: 1 },
      ],
    });
    const folder = await registry.app.inject({ method: 'GET', url: `${ART}/${runPath}/plots/a` });
    expect(errorOf(folder)).toMatchObject({ status: 404, error_code: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('shares one bucket prefix between two registry replicas', async () => {
    const first = await s3Registry();
    const runPath = await createRun(first);
    const second = await s3Registry({ artifactRoot: first.artifactRoot });
    const put = await first.app.inject({
      method: 'PUT',
      url: `${ART}/${runPath}/shared.txt`,
      payload: 'one',
    });
    expect(put.statusCode).toBe(200);
    expect((await second.app.inject({ method: 'GET', url: `${ART}/${runPath}/shared.txt` })).body).toBe(
      'one',
    );
    expect(
      (await second.app.inject({ method: 'DELETE', url: `${ART}/${runPath}/shared.txt` })).statusCode,
    ).toBe(200);
    expect((await first.app.inject({ method: 'GET', url: `${ART}/${runPath}/shared.txt` })).statusCode).toBe(
      404,
    );
  });
});

describe('a misconfigured or unreachable store', () => {
  it('refuses to start with credentials the store refuses, naming bucket and endpoint but not the secret', async () => {
    const { endpoint, region, bucket, credentials } = backend.server;
    const secret = 'definitely-not-the-secret';
    const registry = await s3Registry({
      s3: {
        endpoint,
        region,
        credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: secret },
      },
    });
    const failure = await registry.app.ready().then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).toMatch(/credentials were refused \(SignatureDoesNotMatch\)/);
    expect(failure?.message).toContain(`s3://${bucket}/`);
    expect(failure?.message).toContain(endpoint);
    expect(failure?.message).not.toContain(secret);
  });

  it('refuses to start on a missing bucket, saying so', async () => {
    const registry = await s3Registry({ artifactRoot: 's3://no-such-bucket/registry' });
    await expect(registry.app.ready()).rejects.toThrow(
      /the artifact store s3:\/\/no-such-bucket\/registry at http:\/\/127\.0\.0\.1:\d+: the bucket does not exist/,
    );
  });

  it('refuses to start when the endpoint does not answer', async () => {
    const { region, credentials } = backend.server;
    const registry = await s3Registry({ s3: { endpoint: 'http://127.0.0.1:9', region, credentials } });
    await expect(registry.app.ready()).rejects.toThrow(
      /at http:\/\/127\.0\.0\.1:9: the endpoint cannot be reached \(ECONNREFUSED\)/,
    );
  });

  it('refuses a malformed s3:// root, naming REGISTRY_ARTIFACT_ROOT', async () => {
    const registry = await s3Registry({ artifactRoot: 's3://Not_A_Bucket/x' });
    await expect(registry.app.ready()).rejects.toThrow(
      /REGISTRY_ARTIFACT_ROOT 's3:\/\/Not_A_Bucket\/x' is not a valid S3 location/,
    );
  });

  it('answers requests with a clear INTERNAL_ERROR when the bucket disappears after the start', async () => {
    const bucket = await backend.server.createBucket();
    const registry = await s3Registry({ artifactRoot: `s3://${bucket}/registry` });
    const runPath = await createRun(registry);
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    const put = await registry.app.inject({ method: 'PUT', url: `${ART}/${runPath}/a.txt`, payload: 'a' });
    expect(errorOf(put)).toMatchObject({ status: 500, error_code: 'INTERNAL_ERROR' });
    expect(errorOf(put).message).toContain(`s3://${bucket}/registry`);
    expect(errorOf(put).message).toMatch(/the bucket does not exist/);
    // A missing bucket is not a missing artifact: no 404 that a client would take as "deleted".
    const get = await registry.app.inject({ method: 'GET', url: `${ART}/${runPath}/a.txt` });
    expect(errorOf(get)).toMatchObject({ status: 500, error_code: 'INTERNAL_ERROR' });
    expect(errorOf(get).message).toMatch(/the bucket does not exist/);
  });
});
