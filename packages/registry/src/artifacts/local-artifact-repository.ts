/**
 * Artifacts in a local folder. Besides artifactSegments' checks, the real
 * location of every path (after symlinks) must stay inside the root. Uploads go
 * to a temporary file that is renamed into place.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { lstat, mkdir, readdir, realpath, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalidParameter, notFound } from '../errors.js';
import {
  artifactSegments,
  byArtifactName,
  type ArtifactFileInfo,
  type ArtifactRepository,
} from './artifact-repository.js';
import { UploadLimit } from './upload-limit.js';

const TEMP_PREFIX = '.upload-';

function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/** Artifacts in a local folder; a single registry process, or replicas sharing one file system. */
export class LocalArtifactRepository implements ArtifactRepository {
  /** Absolute root folder. */
  readonly root: string;
  private realRoot: string | undefined;

  constructor(root: string) {
    this.root = resolve(root);
  }

  get location(): string {
    return this.root;
  }

  /** Nothing to check up front: the folder is created on the first write. */
  async verify(): Promise<void> {}

  async close(): Promise<void> {}

  private async realRootPath(): Promise<string> {
    if (this.realRoot === undefined) {
      await mkdir(this.root, { recursive: true });
      this.realRoot = await realpath(this.root);
    }
    return this.realRoot;
  }

  private async assertInside(realPath: string, relPath: string): Promise<void> {
    const root = await this.realRootPath();
    if (realPath !== root && !realPath.startsWith(root + sep)) {
      throw invalidParameter(`Invalid artifact path '${relPath}': it resolves outside the artifact root`);
    }
  }

  /** The checked absolute path of `relPath` (not yet resolved through symlinks). */
  absolutePath(relPath: string): string {
    return join(this.root, ...artifactSegments(relPath));
  }

  /** Resolves an existing path through symlinks and checks it stays inside the root; undefined when missing. */
  private async existingRealPath(absolute: string, relPath: string): Promise<string | undefined> {
    try {
      const real = await realpath(absolute);
      await this.assertInside(real, relPath);
      return real;
    } catch (error) {
      if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return undefined;
      throw error;
    }
  }

  /** Checks the deepest existing ancestor of `absolute` so that creating folders cannot follow a link out. */
  private async assertAncestorsInside(absolute: string, relPath: string): Promise<void> {
    let current = dirname(absolute);
    for (;;) {
      try {
        const real = await realpath(current);
        await this.assertInside(real, relPath);
        return;
      } catch (error) {
        if (!isErrno(error, 'ENOENT')) throw error;
        if (current === this.root || dirname(current) === current) return;
        current = dirname(current);
      }
    }
  }

  /**
   * Stores the bytes of `body` at `relPath`, replacing any file there. Writes a
   * temporary file and renames it, so readers never see half an upload.
   * Throws RESOURCE_LIMIT_EXCEEDED past `limitBytes`. Returns the byte count.
   */
  async write(relPath: string, body: Readable, limitBytes: number): Promise<number> {
    const segments = artifactSegments(relPath);
    if (segments.length === 0) throw invalidParameter('Invalid artifact path: a file name is required');
    const absolute = join(this.root, ...segments);
    await this.realRootPath();
    await this.assertAncestorsInside(absolute, relPath);
    await mkdir(dirname(absolute), { recursive: true });
    await this.assertInside(await realpath(dirname(absolute)), relPath);
    const existing = await lstat(absolute).catch(() => undefined);
    if (existing?.isDirectory())
      throw invalidParameter(`Invalid artifact path '${relPath}': it is a directory`);
    if (existing?.isSymbolicLink())
      throw invalidParameter(`Invalid artifact path '${relPath}': it is a symbolic link`);

    const temp = join(dirname(absolute), `${TEMP_PREFIX}${randomUUID()}.tmp`);
    const counter = new UploadLimit(relPath, limitBytes);
    try {
      await pipeline(body, counter, createWriteStream(temp, { flags: 'wx' }));
      await rename(temp, absolute);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    return counter.bytes;
  }

  /** Opens the file at `relPath` for reading. Throws RESOURCE_DOES_NOT_EXIST for a missing file or a folder. */
  async open(relPath: string): Promise<{ stream: ReadStream; size: number }> {
    const absolute = this.absolutePath(relPath);
    const real = await this.existingRealPath(absolute, relPath);
    const info = real ? await stat(real) : undefined;
    if (!real || !info?.isFile()) throw notFound(`Artifact '${relPath}' does not exist`);
    return { stream: createReadStream(real), size: info.size };
  }

  /**
   * Lists the folder at `relPath` (the root when empty), sorted by name.
   * A file or a missing folder lists as empty, as in MLflow. Entries whose
   * symlinks lead outside the root are left out.
   */
  async list(relPath = ''): Promise<ArtifactFileInfo[]> {
    const absolute = this.absolutePath(relPath);
    const real = await this.existingRealPath(absolute, relPath);
    if (!real || !(await stat(real)).isDirectory()) return [];
    const root = await this.realRootPath();
    const entries = await readdir(real, { withFileTypes: true });
    const files: ArtifactFileInfo[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith(TEMP_PREFIX)) continue;
      const full = join(real, entry.name);
      let target = full;
      if (entry.isSymbolicLink()) {
        target = await realpath(full).catch(() => '');
        if (target === '' || (target !== root && !target.startsWith(root + sep))) continue;
      }
      const info = await stat(target).catch(() => undefined);
      if (!info) continue;
      files.push(
        info.isDirectory()
          ? { path: entry.name, is_dir: true }
          : { path: entry.name, is_dir: false, file_size: info.size },
      );
    }
    return files.sort(byArtifactName);
  }

  /** Deletes the file or folder at `relPath`. Throws RESOURCE_DOES_NOT_EXIST when absent. */
  async delete(relPath: string): Promise<void> {
    const segments = artifactSegments(relPath);
    if (segments.length === 0) throw invalidParameter('Refusing to delete the artifact root');
    const absolute = join(this.root, ...segments);
    await this.assertAncestorsInside(absolute, relPath);
    const info = await lstat(absolute).catch(() => undefined);
    if (!info) throw notFound(`Artifact '${relPath}' does not exist`);
    // rm on a symlink removes the link, never its target.
    await rm(absolute, { recursive: true, force: true });
  }
}
