/**
 * The artifact stores the artifact tests run against: the local folder and an
 * S3 bucket on a throw-away SeaweedFS server (test/support/s3-server.ts). Each
 * backend gives a fresh artifact root per registry and looks at what was
 * stored directly (the file system, or the bucket), not through the registry.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  GetObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { startS3Server, type S3Server } from '../../../test/support/s3-server.js';
import type { RegistryAppOptions } from '../src/app.js';

export interface ArtifactBackend {
  readonly name: string;
  /** Starts what the backend needs; call in beforeAll. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** buildApp options that put a registry's artifacts on a fresh root of this backend (none: tempRegistry's folder). */
  options(): Partial<Pick<RegistryAppOptions, 'artifactRoot' | 's3'>>;
  /** The stored bytes at `relPath` under `root`, or undefined when nothing is stored there. */
  read(root: string, relPath: string): Promise<Buffer | undefined>;
  /**
   * Names stored directly in the folder `relPath` under `root`, sorted, with
   * leftovers of unfinished uploads (temporary files, open multipart uploads) included.
   */
  entries(root: string, relPath: string): Promise<string[]>;
  /**
   * Whether a file `name` was stored where an escaping path would put it: next to
   * the artifact folder, or anywhere in the bucket (S3 keys have no `..` to resolve,
   * so any object of that name means a refused path got through).
   */
  storedOutside(root: string, dir: string, name: string): Promise<boolean>;
}

/** The artifact folder tempRegistry makes (`<dir>/mlruns`). */
export const localBackend: ArtifactBackend = {
  name: 'local folder',
  start: async () => undefined,
  stop: async () => undefined,
  options: () => ({}),
  read: async (root, relPath) => {
    const path = join(root, relPath);
    return existsSync(path) ? readFileSync(path) : undefined;
  },
  entries: async (root, relPath) => {
    const path = join(root, relPath);
    return existsSync(path) ? readdirSync(path).sort() : [];
  },
  storedOutside: async (_root, dir, name) => existsSync(join(dir, name)),
};

/** Bucket and key prefix of an `s3://bucket/prefix` root. */
function splitRoot(root: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(root);
  if (!match) throw new Error(`not an s3:// root: ${root}`);
  return { bucket: match[1]!, prefix: match[2]!.replace(/\/+$/, '') };
}

function keyOf(prefix: string, relPath: string): string {
  return [prefix, ...relPath.split('/')].filter((part) => part !== '').join('/');
}

/** Every key of a bucket (or below a prefix), following continuation tokens. */
export async function allKeys(client: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** Keys of multipart uploads started and neither completed nor aborted, below `prefix`. */
export async function openUploads(client: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
  return (page.Uploads ?? []).map((upload) => upload.Key ?? '');
}

/** An S3 bucket on SeaweedFS; each registry gets its own key prefix in the one bucket. */
export class S3Backend implements ArtifactBackend {
  readonly name = 'S3';
  private started: S3Server | undefined;
  private s3Client: S3Client | undefined;

  get server(): S3Server {
    if (!this.started) throw new Error('S3Backend.start() was not called');
    return this.started;
  }

  get client(): S3Client {
    this.s3Client ??= this.server.client();
    return this.s3Client;
  }

  async start(): Promise<void> {
    this.started ??= await startS3Server();
  }

  async stop(): Promise<void> {
    this.s3Client?.destroy();
    this.s3Client = undefined;
    await this.started?.stop();
    this.started = undefined;
  }

  options(): Partial<Pick<RegistryAppOptions, 'artifactRoot' | 's3'>> {
    const { bucket, endpoint, region, credentials } = this.server;
    return { artifactRoot: `s3://${bucket}/r-${randomUUID()}`, s3: { endpoint, region, credentials } };
  }

  async read(root: string, relPath: string): Promise<Buffer | undefined> {
    const { bucket, prefix } = splitRoot(root);
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: bucket, Key: keyOf(prefix, relPath) }),
      );
      return Buffer.from(await object.Body!.transformToByteArray());
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async entries(root: string, relPath: string): Promise<string[]> {
    const { bucket, prefix } = splitRoot(root);
    const folder = `${keyOf(prefix, relPath)}/`;
    const names = new Set<string>();
    for (const key of await allKeys(this.client, bucket, folder))
      names.add(key.slice(folder.length).split('/')[0]!);
    for (const key of await openUploads(this.client, bucket, folder)) {
      names.add(`${key.slice(folder.length)} (unfinished upload)`);
    }
    return [...names].sort();
  }

  async storedOutside(root: string, _dir: string, name: string): Promise<boolean> {
    const keys = await allKeys(this.client, splitRoot(root).bucket);
    return keys.some((key) => key.split('/').pop() === name);
  }
}

/** The backends every artifact test runs against. */
export const artifactBackends: ArtifactBackend[] = [localBackend, new S3Backend()];
