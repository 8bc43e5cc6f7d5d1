/**
 * Artifact endpoints: MLflow's proxied artifact API (`/mlflow-artifacts/artifacts/<path>`:
 * PUT upload, GET download, DELETE, GET list with `?path=`) and the run-based
 * listing the UI uses (`/mlflow/artifacts/list`).
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { artifactPathOfUri } from '../artifacts/artifact-repository.js';
import { attachmentDisposition, mediaTypeOf } from '../artifacts/media-type.js';
import { RegistryError } from '../errors.js';
import { RequestFields } from './request-fields.js';

export interface ArtifactRouteOptions {
  /** Largest accepted upload, in bytes. */
  uploadLimit: number;
}

/** `/mlflow-artifacts/*`, registered under that prefix. */
export const proxiedArtifactRoutes: FastifyPluginAsync<ArtifactRouteOptions> = async (app, options) => {
  const repository = app.artifacts;

  // Uploads are raw bytes of any type, possibly empty or large: take the body as a
  // stream instead of letting a JSON or text parser (and the JSON body limit) see it.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  const list = async (request: FastifyRequest) => {
    const path = RequestFields.of(request).string('path') ?? '';
    const files = await repository.list(path);
    return files.length > 0 ? { files } : {};
  };
  app.get('/artifacts', list);

  app.get(
    '/artifacts/*',
    async (request: FastifyRequest<{ Params: { '*': string } }>, reply: FastifyReply) => {
      const path = request.params['*'];
      if (path === '') return list(request);
      const { stream, size } = await repository.open(path);
      const name = path.split('/').pop() ?? 'artifact';
      return (
        reply
          .header('Content-Type', mediaTypeOf(name))
          .header('Content-Length', size)
          .header('Content-Disposition', attachmentDisposition(name))
          .header('X-Content-Type-Options', 'nosniff')
          // Even opened directly, an uploaded HTML or SVG file must not run script in our origin.
          .header(
            'Content-Security-Policy',
            "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
          )
          .send(stream)
      );
    },
  );

  app.put(
    '/artifacts/*',
    async (request: FastifyRequest<{ Params: { '*': string } }>, reply: FastifyReply) => {
      const declared = Number(request.headers['content-length'] ?? Number.NaN);
      if (Number.isFinite(declared) && declared > options.uploadLimit) {
        throw new RegistryError(
          'RESOURCE_LIMIT_EXCEEDED',
          `Artifact upload of ${declared} bytes is larger than the limit of ${options.uploadLimit} bytes`,
        );
      }
      try {
        await repository.write(request.params['*'], request.raw, options.uploadLimit);
      } catch (error) {
        // The rest of a refused body is never read: close the connection after the answer
        // instead of leaving a stalled socket until the idle timeout.
        if (!request.raw.complete) reply.header('Connection', 'close');
        throw error;
      }
      return {};
    },
  );

  app.delete('/artifacts/*', async (request: FastifyRequest<{ Params: { '*': string } }>) => {
    await repository.delete(request.params['*']);
    return {};
  });
};

/** `/mlflow/artifacts/list`: a run's artifacts with run-relative paths. */
export const runArtifactRoutes: FastifyPluginAsync = async (app) => {
  app.get('/artifacts/list', async (request) => {
    const f = RequestFields.of(request);
    const run = await app.tracking.getRun(f.runId());
    const rootUri = run.info.artifact_uri;
    const base = artifactPathOfUri(rootUri);
    // Runs of an experiment with a non-proxied artifact location keep their files elsewhere.
    if (base === undefined) return { root_uri: rootUri };
    const path = (f.string('path') ?? '').replace(/^\/+|\/+$/g, '');
    const files = await app.artifacts.list(path ? `${base}/${path}` : base);
    if (files.length === 0) return { root_uri: rootUri };
    return {
      root_uri: rootUri,
      files: files.map((file) => ({ ...file, path: path ? `${path}/${file.path}` : file.path })),
    };
  });
};
