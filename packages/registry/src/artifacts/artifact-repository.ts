/**
 * The artifact store's contract and its path rules. Artifacts are addressed by
 * paths relative to the artifact root (`<experiment_id>/<run_id>/artifacts/<file>`);
 * every implementation checks each path with artifactSegments before it touches
 * storage: no `..` or `.` segments, no absolute or drive paths, no backslashes,
 * NUL bytes or other control characters, no percent-encoded escapes, no segment
 * over the file system's name limit nor a path over ARTIFACT_PATH_LIMITS.
 * Implementations: LocalArtifactRepository (a folder) and S3ArtifactRepository
 * (an S3-compatible bucket); createArtifactRepository picks one.
 */
import type { Readable } from 'node:stream';
import { invalidParameter } from '../errors.js';

/** One entry of a directory listing: `path` is the entry's name inside the listed directory. */
export interface ArtifactFileInfo {
  path: string;
  is_dir: boolean;
  /** Bytes; absent for directories. */
  file_size?: number;
}

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

/**
 * Where run artifacts live. All four operations take root-relative paths,
 * refuse bad ones with INVALID_PARAMETER_VALUE and answer missing artifacts
 * with RESOURCE_DOES_NOT_EXIST, whatever the storage behind them.
 */
export interface ArtifactRepository {
  /** The root, for logs and messages: a folder, or `s3://bucket/prefix`. */
  readonly location: string;
  /**
   * Checks that the storage is reachable and usable, at start-up; throws a
   * RegistryError that names the location when it is not.
   */
  verify(): Promise<void>;
  /**
   * Stores the bytes of `body` at `relPath`, replacing any file there. Readers
   * never see half an upload. Throws RESOURCE_LIMIT_EXCEEDED past `limitBytes`
   * and leaves nothing behind then. Returns the byte count.
   */
  write(relPath: string, body: Readable, limitBytes: number): Promise<number>;
  /** Opens the file at `relPath` for reading. Throws RESOURCE_DOES_NOT_EXIST for a missing file or a folder. */
  open(relPath: string): Promise<{ stream: Readable; size: number }>;
  /**
   * Lists the folder at `relPath` (the root when empty), sorted by name.
   * A file or a missing folder lists as empty, as in MLflow.
   */
  list(relPath?: string): Promise<ArtifactFileInfo[]>;
  /** Deletes the file or folder at `relPath`. Throws RESOURCE_DOES_NOT_EXIST when absent. */
  delete(relPath: string): Promise<void>;
  /** Releases connections; the repository is not used afterwards. */
  close(): Promise<void>;
}

/** Orders listing entries by name, the same way for every implementation. */
export function byArtifactName(a: ArtifactFileInfo, b: ArtifactFileInfo): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
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
