/** Picks the artifact store from REGISTRY_ARTIFACT_ROOT: `s3://bucket[/prefix]` or a folder. */
import type { ArtifactRepository } from './artifact-repository.js';
import { LocalArtifactRepository } from './local-artifact-repository.js';
import { S3ArtifactRepository } from './s3-artifact-repository.js';
import { isS3Root, parseS3Root, type S3Settings } from './s3-location.js';

/**
 * The repository for `root`: an S3ArtifactRepository for `s3://` roots
 * (reached with `s3`), else a LocalArtifactRepository on that folder. Throws
 * an Error naming REGISTRY_ARTIFACT_ROOT for a malformed `s3://` root.
 */
export function createArtifactRepository(root: string, s3: S3Settings = {}): ArtifactRepository {
  return isS3Root(root) ? new S3ArtifactRepository(parseS3Root(root), s3) : new LocalArtifactRepository(root);
}
