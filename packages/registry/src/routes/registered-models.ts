/** MLflow registered model endpoints (`/mlflow/registered-models/*`), aliases included. */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { RequestFields } from './request-fields.js';
import { READ_ONLY_ROUTE } from './write-authorization.js';

export const registeredModelRoutes: FastifyPluginAsync = async (app) => {
  const store = app.modelRegistry;

  app.post('/registered-models/create', async (request) => {
    const f = RequestFields.of(request);
    return {
      registered_model: await store.createRegisteredModel(
        f.requiredString('name'),
        f.keyValues('tags'),
        f.string('description'),
      ),
    };
  });

  app.get('/registered-models/get', async (request) => {
    return {
      registered_model: await store.getRegisteredModel(RequestFields.of(request).requiredString('name')),
    };
  });

  const search = async (request: FastifyRequest) => {
    const f = RequestFields.of(request);
    const page = await store.searchRegisteredModels({
      filter: f.string('filter'),
      maxResults: f.int64('max_results'),
      orderBy: f.stringList('order_by'),
      pageToken: f.string('page_token'),
    });
    return {
      registered_models: page.items,
      ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
    };
  };
  app.get('/registered-models/search', search);
  app.post('/registered-models/search', READ_ONLY_ROUTE, search);

  app.patch('/registered-models/update', async (request) => {
    const f = RequestFields.of(request);
    return {
      registered_model: await store.updateRegisteredModel(f.requiredString('name'), f.string('description')),
    };
  });

  app.post('/registered-models/rename', async (request) => {
    const f = RequestFields.of(request);
    return {
      registered_model: await store.renameRegisteredModel(
        f.requiredString('name'),
        f.requiredString('new_name'),
      ),
    };
  });

  app.delete('/registered-models/delete', async (request) => {
    await store.deleteRegisteredModel(RequestFields.of(request).requiredString('name'));
    return {};
  });

  const latest = async (request: FastifyRequest) => {
    const f = RequestFields.of(request);
    return {
      model_versions: await store.getLatestVersions(f.requiredString('name'), f.stringList('stages')),
    };
  };
  app.post('/registered-models/get-latest-versions', READ_ONLY_ROUTE, latest);
  app.get('/registered-models/get-latest-versions', latest);

  app.post('/registered-models/set-tag', async (request) => {
    const f = RequestFields.of(request);
    await store.setRegisteredModelTag(f.requiredString('name'), {
      key: f.requiredString('key'),
      value: f.string('value') ?? '',
    });
    return {};
  });

  app.delete('/registered-models/delete-tag', async (request) => {
    const f = RequestFields.of(request);
    await store.deleteRegisteredModelTag(f.requiredString('name'), f.requiredString('key'));
    return {};
  });

  app.post('/registered-models/alias', async (request) => {
    const f = RequestFields.of(request);
    await store.setAlias(f.requiredString('name'), f.requiredString('alias'), f.requiredString('version'));
    return {};
  });

  app.delete('/registered-models/alias', async (request) => {
    const f = RequestFields.of(request);
    await store.deleteAlias(f.requiredString('name'), f.requiredString('alias'));
    return {};
  });

  app.get('/registered-models/alias', async (request) => {
    const f = RequestFields.of(request);
    return {
      model_version: await store.getModelVersionByAlias(f.requiredString('name'), f.requiredString('alias')),
    };
  });
};
