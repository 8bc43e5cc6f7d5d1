/* global document, window, location, URLSearchParams */
/**
 * The registry web UI: a hash-routed single page over the registry's own
 * MLflow API. Views: experiments, runs of an experiment, run, compare,
 * registered models, one model, monitoring.
 */
import { ApiError } from './api.js';
import { resetCharts } from './charts.js';
import { h, notice, render } from './dom.js';
import { compareView } from './views/compare.js';
import { experimentsView } from './views/experiments.js';
import { modelView, modelsView } from './views/models.js';
import { monitoringView } from './views/monitoring.js';
import { runView } from './views/run.js';
import { runsView } from './views/runs.js';

const ROUTES = [
  [/^\/?$/, 'experiments', () => experimentsView],
  [/^\/experiments\/([^/]+)$/, 'experiments', () => runsView],
  [/^\/runs\/([^/]+)$/, 'experiments', () => runView],
  [/^\/compare$/, 'experiments', () => compareView],
  [/^\/models$/, 'models', () => modelsView],
  [/^\/models\/([^/]+)$/, 'models', () => modelView],
  [/^\/monitoring$/, 'monitoring', () => monitoringView],
];

async function show() {
  const container = document.getElementById('view');
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, queryText = ''] = hash.split('?');
  const query = new URLSearchParams(queryText);
  resetCharts();
  for (const [pattern, section, view] of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    for (const link of document.querySelectorAll('[data-nav]')) {
      link.classList.toggle('active', link.dataset.nav === section);
    }
    render(container, h('p', { class: 'muted' }, 'Loading…'));
    try {
      await view()(container, match.slice(1).map(decodeURIComponent), query);
    } catch (error) {
      const text =
        error instanceof ApiError ? `${error.errorCode}: ${error.message}` : String(error?.message ?? error);
      render(container, h('h1', {}, 'Something went wrong'), notice(text, 'error'));
    }
    return;
  }
  render(
    container,
    h('h1', {}, 'Not found'),
    notice(`No page at ${path}.`),
    h('a', { href: '#/' }, 'Back to experiments'),
  );
}

window.addEventListener('hashchange', show);
show();
