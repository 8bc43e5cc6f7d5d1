/* global fetch, sessionStorage, URLSearchParams */
/**
 * Calls to the registry's own MLflow API (the /ajax-api prefix, as MLflow's UI
 * does). Writes carry the token the user typed, kept for the browser session.
 */

const API = '/ajax-api/2.0/mlflow';
const TOKEN_KEY = 'registry-token';

/** An API failure with MLflow's error code. */
export class ApiError extends Error {
  constructor(status, errorCode, message) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
  }
}

async function parse(response) {
  const text = await response.text();
  let body = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { message: text };
  }
  if (!response.ok)
    throw new ApiError(response.status, body.error_code ?? `HTTP_${response.status}`, body.message ?? text);
  return body;
}

/** GET with query fields (lists as repeated keys). */
export async function get(endpoint, fields = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) query.append(key, String(item));
  }
  const suffix = query.toString() ? `?${query}` : '';
  return parse(await fetch(`${API}/${endpoint}${suffix}`));
}

/** POST/PATCH/DELETE with a JSON body. */
export async function send(method, endpoint, body) {
  const headers = { 'content-type': 'application/json' };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.authorization = `Bearer ${token}`;
  return parse(await fetch(`${API}/${endpoint}`, { method, headers, body: JSON.stringify(body ?? {}) }));
}

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
}

/** All runs of the given experiments matching a filter (following pages up to `limit`). */
export async function searchRuns(experimentIds, { filter, orderBy, limit = 1000 } = {}) {
  const runs = [];
  let pageToken;
  do {
    const page = await send('POST', 'runs/search', {
      experiment_ids: experimentIds,
      filter: filter || undefined,
      order_by: orderBy,
      max_results: Math.min(1000, limit - runs.length),
      page_token: pageToken,
    });
    runs.push(...(page.runs ?? []));
    pageToken = page.next_page_token;
  } while (pageToken && runs.length < limit);
  return runs;
}

/** The URL of a run artifact (`relPath` under the run's mlflow-artifacts: root), path segments encoded. */
export function artifactUrl(artifactUri, relPath) {
  const root = String(artifactUri).replace(/^mlflow-artifacts:\/*/, '');
  const path = [root, relPath].filter(Boolean).join('/');
  return `/api/2.0/mlflow-artifacts/artifacts/${path.split('/').map(encodeURIComponent).join('/')}`;
}
