/**
 * MLflow 3 "logged models": this registry keeps models as run artifacts plus
 * registered versions and stores no logged models, so a search truthfully
 * finds none and a lookup is RESOURCE_DOES_NOT_EXIST. MLflow 3 clients search
 * them whenever they list or download a run's artifacts under a sub-folder,
 * which is why the search must answer rather than 404. Creating one stays
 * ENDPOINT_NOT_FOUND (out of scope).
 */
import type { FastifyPluginAsync } from 'fastify';
import { notFound } from '../errors.js';
import { RequestFields } from './request-fields.js';
import { READ_ONLY_ROUTE } from './write-authorization.js';

export const loggedModelRoutes: FastifyPluginAsync = async (app) => {
  app.post('/logged-models/search', READ_ONLY_ROUTE, async (request) => {
    const f = RequestFields.of(request);
    // Unknown experiments are still an error, as in MLflow.
    for (const id of f.stringList('experiment_ids')) await app.tracking.getExperiment(id);
    return { models: [] };
  });

  app.get('/logged-models/:modelId', async (request) => {
    const { modelId } = request.params as { modelId: string };
    throw notFound(`Logged model '${modelId}' not found: this registry stores models as run artifacts`);
  });
};
