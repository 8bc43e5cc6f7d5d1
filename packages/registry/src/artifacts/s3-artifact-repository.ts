/**
 * Artifacts in an S3-compatible bucket under a key prefix, so several registry
 * replicas can share them. A path is checked with artifactSegments before any
 * key is built, and keys are `<prefix>/<segments joined by '/'>`. Folders
 * exist only as key prefixes, as in every S3 tool: listing uses the `/`
 * delimiter, deleting a folder deletes every key below it.
 *
 * Uploads stream through the upload limit into lib-storage's Upload: one
 * PutObject for small files, a multipart upload in PART_BYTES parts for large
 * ones. An object appears only when its PUT or its CompleteMultipartUpload
 * succeeds, so readers never see half an upload, and a failed or too-large
 * upload is aborted, leaving no parts behind.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { pipeline, type Readable } from 'node:stream';
import { RegistryError, invalidParameter, notFound } from '../errors.js';
import {
  artifactSegments,
  byArtifactName,
  type ArtifactFileInfo,
  type ArtifactRepository,
} from './artifact-repository.js';
import { s3Failure, type S3Target } from './s3-failure.js';
import type { S3Location, S3Settings } from './s3-location.js';
import { UploadLimit } from './upload-limit.js';

/** Multipart part size: 8 MiB keeps a 100 MiB bundle within 13 parts and the memory per upload at two parts. */
export const PART_BYTES = 8 * 1024 * 1024;
/** Parts in flight per upload; each buffers one part in memory. */
const PARTS_IN_FLIGHT = 2;
/** DeleteObjects takes at most 1000 keys per request. */
const DELETE_BATCH = 1000;

/**
 * True for a missing object: NoSuchKey, or NotFound from a HEAD (which has no
 * body to say more). A missing bucket (NoSuchBucket) is not a missing artifact.
 */
function isMissing(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'NoSuchKey' || name === 'NotFound';
}

/** Artifacts as objects under `s3://bucket/prefix`. */
export class S3ArtifactRepository implements ArtifactRepository {
  readonly location: string;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly client: S3Client;
  private readonly target: S3Target;

  constructor(where: S3Location, settings: S3Settings = {}) {
    this.bucket = where.bucket;
    this.prefix = where.prefix;
    this.location = `s3://${where.bucket}${where.prefix ? `/${where.prefix}` : ''}`;
    this.target = { location: this.location, endpoint: settings.endpoint };
    this.client = new S3Client({
      ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
      // Custom endpoints rarely care about the region, but the signer needs one. Without
      // either, the SDK looks for it itself (AWS_REGION, profiles).
      ...(settings.region || settings.endpoint ? { region: settings.region ?? 'us-east-1' } : {}),
      ...(settings.credentials ? { credentials: settings.credentials } : {}),
      // A bucket in another region than AWS_REGION still works (one extra round trip).
      followRegionRedirects: true,
      // Checksums only where S3 requires them: S3-compatible stores differ in which
      // of the newer checksum headers they understand.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /** The object key of checked path segments. */
  private keyOf(segments: readonly string[]): string {
    return [this.prefix, ...segments].filter((part) => part !== '').join('/');
  }

  /** The key prefix of the folder at `segments` (ends with `/`, or empty for the top of the bucket). */
  private folderPrefixOf(segments: readonly string[]): string {
    const key = this.keyOf(segments);
    return key === '' ? '' : `${key}/`;
  }

  private async send<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw s3Failure(error, this.target);
    }
  }

  async verify(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      // A HEAD answer has no body, so a 403 does not say whether the key, the
      // signature or the permission is wrong; a listing's error body does.
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 403) {
        await this.send(() =>
          this.client.send(
            new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, MaxKeys: 1 }),
          ),
        );
      }
      throw s3Failure(error, this.target);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** True when at least one key lies below the folder prefix. */
  private async folderExists(folderPrefix: string): Promise<boolean> {
    const page = await this.send(() =>
      this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: folderPrefix, MaxKeys: 1 })),
    );
    return (page.KeyCount ?? page.Contents?.length ?? 0) > 0;
  }

  async write(relPath: string, body: Readable, limitBytes: number): Promise<number> {
    const segments = artifactSegments(relPath);
    if (segments.length === 0) throw invalidParameter('Invalid artifact path: a file name is required');
    if (await this.folderExists(this.folderPrefixOf(segments))) {
      throw invalidParameter(`Invalid artifact path '${relPath}': it is a directory`);
    }
    const counter = new UploadLimit(relPath, limitBytes);
    // pipeline (not pipe) so that a client that disconnects mid-upload fails the upload too.
    pipeline(body, counter, () => undefined);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.keyOf(segments), Body: counter },
      partSize: PART_BYTES,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      counter.destroy();
      // The limit's own error, not the SDK's wrapping of a failed body read.
      if (counter.errored instanceof RegistryError) throw counter.errored;
      throw s3Failure(error, this.target);
    }
    return counter.bytes;
  }

  async open(relPath: string): Promise<{ stream: Readable; size: number }> {
    const segments = artifactSegments(relPath);
    if (segments.length === 0) throw notFound(`Artifact '${relPath}' does not exist`);
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(segments) }),
      );
      return { stream: object.Body as Readable, size: object.ContentLength ?? 0 };
    } catch (error) {
      if (isMissing(error)) throw notFound(`Artifact '${relPath}' does not exist`);
      throw s3Failure(error, this.target);
    }
  }

  /** Pages of a listing under `prefix`, following continuation tokens. */
  private async *pages(prefix: string, delimiter?: string): AsyncGenerator<ListObjectsV2CommandOutput> {
    let token: string | undefined;
    do {
      const page = await this.send(() =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            Delimiter: delimiter,
            ContinuationToken: token,
          }),
        ),
      );
      yield page;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * Lists the folder at `relPath`. Entries whose names the path check would
   * refuse (written into the bucket by other tools) are left out: they could
   * not be read through the registry anyway.
   */
  async list(relPath = ''): Promise<ArtifactFileInfo[]> {
    const folder = this.folderPrefixOf(artifactSegments(relPath));
    const files: ArtifactFileInfo[] = [];
    const usable = (name: string): boolean => {
      try {
        return artifactSegments(name).length === 1;
      } catch {
        return false;
      }
    };
    for await (const page of this.pages(folder, '/')) {
      for (const common of page.CommonPrefixes ?? []) {
        const name = (common.Prefix ?? '').slice(folder.length, -1);
        if (usable(name)) files.push({ path: name, is_dir: true });
      }
      for (const object of page.Contents ?? []) {
        // A zero-byte `folder/` marker (made by some S3 tools) is the folder itself, not an entry.
        const name = (object.Key ?? '').slice(folder.length);
        if (usable(name)) files.push({ path: name, is_dir: false, file_size: object.Size ?? 0 });
      }
    }
    return files.sort(byArtifactName);
  }

  /** Deletes the object at `relPath` and every object below it as a folder. */
  async delete(relPath: string): Promise<void> {
    const segments = artifactSegments(relPath);
    if (segments.length === 0) throw invalidParameter('Refusing to delete the artifact root');
    const key = this.keyOf(segments);
    const keys: string[] = [];
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      keys.push(key);
    } catch (error) {
      if (!isMissing(error)) throw s3Failure(error, this.target);
    }
    for await (const page of this.pages(`${key}/`)) {
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    }
    if (keys.length === 0) throw notFound(`Artifact '${relPath}' does not exist`);
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH);
      const result = await this.send(() =>
        this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        ),
      );
      const failed = result.Errors?.[0];
      if (failed) {
        throw s3Failure(
          { name: failed.Code ?? 'DeleteFailed', message: `${failed.Key ?? ''}: ${failed.Message ?? ''}` },
          this.target,
        );
      }
    }
  }
}
