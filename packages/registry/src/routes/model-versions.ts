/** MLflow model version endpoints (`/mlflow/model-versions/*`). */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { RequestFields } from './request-fields.js';
import { READ_ONLY_ROUTE } from './write-authorization.js';

/** `runs:/<run_id>/<path>` -> [run_id, path]. */
function parseRunsUri(uri: string): [string, string] | undefined {
  const match = /^runs:\/+([^/]+)\/?(.*)$/.exec(uri);
  return match ? [match[1] as string, match[2] as string] : undefined;
}

export const modelVersionRoutes: FastifyPluginAsync = async (app) => {
  const store = app.modelRegistry;
  const tracking = app.tracking;

  app.post('/model-versions/create', async (request) => {
    const f = RequestFields.of(request);
    const runId = f.string('run_id') || undefined;
    // A version's run must exist, so the UI can always show its metrics.
    if (runId) await tracking.getRun(runId);
    const modelVersion = await store.createModelVersion({
      name: f.requiredString('name'),
      source: f.requiredString('source'),
      runId,
      tags: f.keyValues('tags'),
      runLink: f.string('run_link'),
      description: f.string('description'),
    });
    return { model_version: modelVersion };
  });

  app.get('/model-versions/get', async (request) => {
    const f = RequestFields.of(request);
    return {
      model_version: await store.getModelVersion(f.requiredString('name'), f.requiredString('version')),
    };
  });

  const search = async (request: FastifyRequest) => {
    const f = RequestFields.of(request);
    const page = await store.searchModelVersions({
      filter: f.string('filter'),
      maxResults: f.int64('max_results'),
      orderBy: f.stringList('order_by'),
      pageToken: f.string('page_token'),
    });
    return {
      model_versions: page.items,
      ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
    };
  };
  app.get('/model-versions/search', search);
  app.post('/model-versions/search', READ_ONLY_ROUTE, search);

  app.patch('/model-versions/update', async (request) => {
    const f = RequestFields.of(request);
    return {
      model_version: await store.updateModelVersion(
        f.requiredString('name'),
        f.requiredString('version'),
        f.string('description'),
      ),
    };
  });

  app.delete('/model-versions/delete', async (request) => {
    const f = RequestFields.of(request);
    await store.deleteModelVersion(f.requiredString('name'), f.requiredString('version'));
    return {};
  });

  app.post('/model-versions/transition-stage', async (request) => {
    const f = RequestFields.of(request);
    return {
      model_version: await store.transitionStage(
        f.requiredString('name'),
        f.requiredString('version'),
        f.requiredString('stage'),
        f.boolean('archive_existing_versions') ?? false,
      ),
    };
  });

  app.get('/model-versions/get-download-uri', async (request) => {
    const f = RequestFields.of(request);
    const version = await store.getModelVersion(f.requiredString('name'), f.requiredString('version'));
    const runsUri = parseRunsUri(version.source);
    if (!runsUri) return { artifact_uri: version.source };
    const [runId, path] = runsUri;
    const base = (await tracking.getRun(runId)).info.artifact_uri;
    return { artifact_uri: path ? `${base}/${path}` : base };
  });

  app.post('/model-versions/set-tag', async (request) => {
    const f = RequestFields.of(request);
    await store.setModelVersionTag(f.requiredString('name'), f.requiredString('version'), {
      key: f.requiredString('key'),
      value: f.string('value') ?? '',
    });
    return {};
  });

  app.delete('/model-versions/delete-tag', async (request) => {
    const f = RequestFields.of(request);
    await store.deleteModelVersionTag(
      f.requiredString('name'),
      f.requiredString('version'),
      f.requiredString('key'),
    );
    return {};
  });
};
