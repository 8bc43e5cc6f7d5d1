/** MLflow run endpoints (`/mlflow/runs/*`, `/mlflow/metrics/get-history`). */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { RUN_STATUSES, VIEW_TYPES } from '@mlops/registry-client/wire';
import { invalidParameter } from '../errors.js';
import { RequestFields } from './request-fields.js';
import { READ_ONLY_ROUTE } from './write-authorization.js';

const RUN_STATUS_NUMBERS = [1, 2, 3, 4, 5];
const VIEW_TYPE_NUMBERS = [1, 2, 3];

export const runRoutes: FastifyPluginAsync = async (app) => {
  const store = app.tracking;

  app.post('/runs/create', async (request) => {
    const f = RequestFields.of(request);
    const run = await store.createRun({
      experimentId: f.string('experiment_id') || undefined,
      userId: f.string('user_id'),
      runName: f.string('run_name') || undefined,
      startTime: f.int64('start_time'),
      tags: f.keyValues('tags'),
    });
    return { run };
  });

  app.get('/runs/get', async (request) => {
    return { run: await store.getRun(RequestFields.of(request).runId()) };
  });

  app.post('/runs/update', async (request) => {
    const f = RequestFields.of(request);
    const runInfo = await store.updateRun(f.runId(), {
      status: f.enumValue('status', RUN_STATUSES, RUN_STATUS_NUMBERS),
      endTime: f.int64('end_time'),
      runName: f.string('run_name') || undefined,
    });
    return { run_info: runInfo };
  });

  app.post('/runs/delete', async (request) => {
    await store.deleteRun(RequestFields.of(request).runId());
    return {};
  });

  app.post('/runs/restore', async (request) => {
    await store.restoreRun(RequestFields.of(request).runId());
    return {};
  });

  const search = async (request: FastifyRequest) => {
    const f = RequestFields.of(request);
    const page = await store.searchRuns({
      experimentIds: f.stringList('experiment_ids'),
      filter: f.string('filter'),
      viewType: f.enumValue('run_view_type', VIEW_TYPES, VIEW_TYPE_NUMBERS),
      maxResults: f.int64('max_results'),
      orderBy: f.stringList('order_by'),
      pageToken: f.string('page_token'),
    });
    return { runs: page.items, ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
  };
  app.post('/runs/search', READ_ONLY_ROUTE, search);
  app.get('/runs/search', search);

  app.post('/runs/set-tag', async (request) => {
    const f = RequestFields.of(request);
    await store.setTag(f.runId(), { key: f.requiredString('key'), value: f.string('value') ?? '' });
    return {};
  });

  app.post('/runs/delete-tag', async (request) => {
    const f = RequestFields.of(request);
    await store.deleteTag(f.runId(), f.requiredString('key'));
    return {};
  });

  app.post('/runs/log-metric', async (request) => {
    const f = RequestFields.of(request);
    const value = f.double('value');
    if (value === undefined) throw invalidParameter("Missing value for required parameter 'value'.");
    await store.logMetric(f.runId(), {
      key: f.requiredString('key'),
      value,
      timestamp: f.requiredInt64('timestamp'),
      step: f.int64('step') ?? 0,
    });
    return {};
  });

  app.post('/runs/log-parameter', async (request) => {
    const f = RequestFields.of(request);
    await store.logParam(f.runId(), { key: f.requiredString('key'), value: f.string('value') ?? '' });
    return {};
  });

  app.post('/runs/log-batch', async (request) => {
    const f = RequestFields.of(request);
    await store.logBatch(f.runId(), {
      metrics: f.metrics('metrics'),
      params: f.keyValues('params'),
      tags: f.keyValues('tags'),
    });
    return {};
  });

  app.post('/runs/log-model', async (request) => {
    const f = RequestFields.of(request);
    await store.logModel(f.runId(), f.requiredString('model_json'));
    return {};
  });

  // Dataset inputs and logged-model outputs (MLflow 3) are accepted and not recorded:
  // this registry tracks models as run artifacts plus registered versions.
  app.post('/runs/log-inputs', async (request) => {
    await store.requireActiveRun(RequestFields.of(request).runId());
    return {};
  });
  app.post('/runs/outputs', async (request) => {
    await store.requireActiveRun(RequestFields.of(request).runId());
    return {};
  });

  app.get('/metrics/get-history', async (request) => {
    const f = RequestFields.of(request);
    const page = await store.getMetricHistory(
      f.runId(),
      f.requiredString('metric_key'),
      f.int64('max_results'),
      f.string('page_token'),
    );
    return { metrics: page.items, ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
  });
};
