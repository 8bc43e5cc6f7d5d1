/**
 * Artifacts in a local folder, addressed by paths relative to the artifact root
 * (`<experiment_id>/<run_id>/artifacts/<file>`). Every path is checked before
 * use: no `..` or `.` segments, no absolute or drive paths, no backslashes,
 * NUL bytes or other control characters, no percent-encoded escapes, no
 * segment over the file system's name limit nor a path over ARTIFACT_PATH_LIMITS,
 * and the real location (after symlinks) must stay inside the root.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { lstat, mkdir, readdir, realpath, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RegistryError, invalidParameter, notFound } from '../errors.js';

/** One entry of a directory listing: `path` is the entry's name inside the listed directory. */
export interface ArtifactFileInfo {
  path: string;
  is_dir: boolean;
  /** Bytes; absent for directories. */
  file_size?: number;
}

const TEMP_PREFIX = '.upload-';

/**
 * Path limits in UTF-8 bytes: a segment is one file or folder name (255 is the
 * name limit of ext4, XFS, APFS and NTFS), and the whole relative path stays
 * well inside Linux's PATH_MAX of 4096 once the root is prepended.
 */
export const ARTIFACT_PATH_LIMITS = { segmentBytes: 255, pathBytes: 2048 } as const;

/** True when `text` has a C0 control character or DEL: legal in Linux names, but they break headers, logs and listings. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/**
 * Splits a relative artifact path into checked segments. Empty segments
 * (`a//b`, a trailing `/`) are dropped. Throws INVALID_PARAMETER_VALUE naming
 * the path on anything that could leave the root.
 */
export function artifactSegments(relPath: string): string[] {
  const refuse = (why: string): never => {
    const shown = relPath.length > 120 ? `${relPath.slice(0, 120)}...` : relPath;
    throw invalidParameter(`Invalid artifact path '${shown}': ${why}`);
  };
  if (relPath.includes('\0')) refuse('it contains a NUL byte');
  if (hasControlCharacter(relPath)) refuse('it contains a control character');
  const pathBytes = Buffer.byteLength(relPath, 'utf8');
  if (pathBytes > ARTIFACT_PATH_LIMITS.pathBytes) {
    refuse(`it is ${pathBytes} bytes long; the limit is ${ARTIFACT_PATH_LIMITS.pathBytes}`);
  }
  if (relPath.includes('\\')) refuse('backslashes are not allowed');
  if (relPath.startsWith('/') || /^[A-Za-z]:/.test(relPath)) refuse('absolute paths are not allowed');
  const segments = relPath.split('/').filter((s) => s !== '');
  for (const segment of segments) {
    const bytes = Buffer.byteLength(segment, 'utf8');
    if (bytes > ARTIFACT_PATH_LIMITS.segmentBytes) {
      refuse(`a name is ${bytes} bytes long; the limit is ${ARTIFACT_PATH_LIMITS.segmentBytes} per name`);
    }
    let decoded = segment;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      // a lone % is a legal file name character
    }
    if (segment === '..' || segment === '.' || decoded === '..' || decoded === '.' || decoded.includes('/')) {
      refuse("'..' and '.' segments (also percent-encoded) are not allowed");
    }
  }
  return segments;
}

export class ArtifactRepository {
  /** Absolute root folder. */
  readonly root: string;
  private realRoot: string | undefined;

  constructor(root: string) {
    this.root = resolve(root);
  }

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
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        if (bytes > limitBytes) {
          callback(
            new RegistryError(
              'RESOURCE_LIMIT_EXCEEDED',
              `Artifact '${relPath}' is larger than the upload limit of ${limitBytes} bytes`,
            ),
          );
          return;
        }
        callback(null, chunk);
      },
    });
    try {
      await pipeline(body, counter, createWriteStream(temp, { flags: 'wx' }));
      await rename(temp, absolute);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    return bytes;
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
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
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

/**
 * The artifact-root-relative path of an `mlflow-artifacts:` URI
 * (`mlflow-artifacts:/1/abc/artifacts` -> `1/abc/artifacts`), or undefined
 * for any other scheme.
 */
export function artifactPathOfUri(uri: string): string | undefined {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(uri);
  return match ? (match[1] as string).replace(/\/+$/, '') : undefined;
}
