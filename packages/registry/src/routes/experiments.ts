/** MLflow experiment endpoints (`/mlflow/experiments/*`). */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { VIEW_TYPES } from '@mlops/registry-client/wire';
import { RequestFields } from './request-fields.js';
import { READ_ONLY_ROUTE } from './write-authorization.js';

const VIEW_TYPE_NUMBERS = [1, 2, 3];

export const experimentRoutes: FastifyPluginAsync = async (app) => {
  const store = app.tracking;

  app.post('/experiments/create', async (request) => {
    const f = RequestFields.of(request);
    const id = await store.createExperiment(
      f.requiredString('name'),
      f.string('artifact_location'),
      f.keyValues('tags'),
    );
    return { experiment_id: id };
  });

  app.get('/experiments/get', async (request) => {
    const f = RequestFields.of(request);
    return { experiment: await store.getExperiment(f.requiredString('experiment_id')) };
  });

  app.get('/experiments/get-by-name', async (request) => {
    const f = RequestFields.of(request);
    return { experiment: await store.getExperimentByName(f.requiredString('experiment_name')) };
  });

  const search = async (request: FastifyRequest) => {
    const f = RequestFields.of(request);
    const page = await store.searchExperiments({
      filter: f.string('filter'),
      viewType: f.enumValue('view_type', VIEW_TYPES, VIEW_TYPE_NUMBERS),
      maxResults: f.int64('max_results'),
      orderBy: f.stringList('order_by'),
      pageToken: f.string('page_token'),
    });
    return {
      experiments: page.items,
      ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
    };
  };
  app.post('/experiments/search', READ_ONLY_ROUTE, search);
  app.get('/experiments/search', search);

  app.post('/experiments/update', async (request) => {
    const f = RequestFields.of(request);
    const id = f.requiredString('experiment_id');
    const newName = f.string('new_name');
    if (newName !== undefined) await store.renameExperiment(id, newName);
    else await store.getExperiment(id);
    return {};
  });

  app.post('/experiments/delete', async (request) => {
    await store.deleteExperiment(RequestFields.of(request).requiredString('experiment_id'));
    return {};
  });

  app.post('/experiments/restore', async (request) => {
    await store.restoreExperiment(RequestFields.of(request).requiredString('experiment_id'));
    return {};
  });

  app.post('/experiments/set-experiment-tag', async (request) => {
    const f = RequestFields.of(request);
    await store.setExperimentTag(
      f.requiredString('experiment_id'),
      f.requiredString('key'),
      f.string('value') ?? '',
    );
    return {};
  });

  app.post('/experiments/delete-experiment-tag', async (request) => {
    const f = RequestFields.of(request);
    await store.deleteExperimentTag(f.requiredString('experiment_id'), f.requiredString('key'));
    return {};
  });
};
