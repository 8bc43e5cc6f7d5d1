/** Drift monitoring: metrics of the `monitoring` experiment over time, and the latest check's plots. */
import { ApiError, artifactUrl, get, searchRuns } from '../api.js';
import { lineChart, plottable } from '../charts.js';
import {
  formatShortTime,
  formatTime,
  h,
  keyValueTable,
  notice,
  render,
  statusBadge,
  toRecord,
} from '../dom.js';
import { listRunFiles } from './artifacts.js';

const EXPERIMENT = 'monitoring';
/** Plots of the performance check (realized vs estimated accuracy, confusion matrix), shown apart from drift. */
const PERFORMANCE_PLOT = /(^|\/)(performance-[^/]*|confusion-matrix)\.png$/i;
const MAX_SERIES = 12;

/** Groups metric keys by their prefix (`psi.area`, `psi.rooms` -> `psi`), so related drift scores share a chart. */
function groupKeys(keys) {
  const groups = new Map();
  for (const key of keys) {
    const match = /^([^./]+)[./](.+)$/.exec(key);
    const group = match ? match[1] : key;
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push(key);
  }
  return [...groups.entries()];
}

function flatFiles(entries) {
  return entries.flatMap((entry) => (entry.is_dir ? flatFiles(entry.children ?? []) : [entry]));
}

export async function monitoringView(container) {
  let experiment;
  try {
    experiment = (await get('experiments/get-by-name', { experiment_name: EXPERIMENT })).experiment;
  } catch (error) {
    if (!(error instanceof ApiError) || error.errorCode !== 'RESOURCE_DOES_NOT_EXIST') throw error;
  }
  const title = [
    h('h1', {}, 'Monitoring'),
    h(
      'p',
      { class: 'subtitle' },
      'Drift checks of production traffic against the training data, and the model’s accuracy on the ground truth sent back.',
    ),
  ];
  if (!experiment) {
    render(container, title, notice(`No drift checks yet: the "${EXPERIMENT}" experiment does not exist.`));
    return;
  }
  const runs = await searchRuns([experiment.experiment_id], {
    orderBy: ['attributes.start_time ASC'],
    limit: 500,
  });
  if (runs.length === 0) {
    render(container, title, notice('No drift checks logged yet.'));
    return;
  }
  const labels = runs.map((run) => formatShortTime(run.info.start_time));
  const keys = [...new Set(runs.flatMap((run) => (run.data?.metrics ?? []).map((m) => m.key)))].sort();
  const charts = groupKeys(keys).map(([group, members]) =>
    lineChart(
      members.length === 1 ? members[0] : group,
      members.slice(0, MAX_SERIES).map((key) => ({
        label: key,
        points: runs.map((run) => ({ y: plottable(toRecord(run.data?.metrics)[key]) })),
      })),
      { xLabels: labels, xTitle: 'check time' },
    ),
  );
  const latest = runs[runs.length - 1];
  const files = flatFiles(await listRunFiles(latest.info.run_id));
  const images = files.filter((f) => /\.(png|jpe?g|svg)$/i.test(f.path));
  const plots = images.filter((f) => !PERFORMANCE_PLOT.test(f.path));
  const performancePlots = images.filter((f) => PERFORMANCE_PLOT.test(f.path));
  const metrics = toRecord(latest.data?.metrics);
  const figure = (file) =>
    h(
      'figure',
      { class: 'card' },
      h('img', { src: artifactUrl(latest.info.artifact_uri, file.path), alt: file.path, loading: 'lazy' }),
      h('figcaption', {}, file.path),
    );
  const score = (value) => (typeof value === 'number' ? value.toFixed(3) : 'n/a');
  const stat = (label, value) =>
    h('div', { class: 'stat' }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value));
  const tags = toRecord(latest.data?.tags);
  render(
    container,
    title,
    h(
      'div',
      { class: 'card stat-row', id: 'latest-check' },
      h(
        'div',
        { class: 'stat' },
        h('div', { class: 'label' }, 'Latest check'),
        h('div', { class: 'value' }, h('a', { href: `#/runs/${latest.info.run_id}` }, latest.info.run_name)),
      ),
      h(
        'div',
        { class: 'stat' },
        h('div', { class: 'label' }, 'When'),
        h('div', { class: 'value' }, formatTime(latest.info.start_time)),
      ),
      h(
        'div',
        { class: 'stat' },
        h('div', { class: 'label' }, 'Status'),
        h('div', { class: 'value' }, statusBadge(latest.info.status)),
      ),
      h(
        'div',
        { class: 'stat' },
        h('div', { class: 'label' }, 'Checks'),
        h('div', { class: 'value' }, String(runs.length)),
      ),
    ),
    tags['drift.headline']
      ? notice(tags['drift.headline'], tags['drift.status'] === 'drift' ? 'error' : '')
      : null,
    h('h2', {}, 'Drift over time'),
    h('div', { class: 'grid', id: 'drift-charts' }, charts),
    h(
      'div',
      { class: 'grid two' },
      h(
        'div',
        { class: 'card' },
        h('h2', {}, 'Latest metrics'),
        keyValueTable(toRecord(latest.data?.metrics), 'No metrics.'),
      ),
      h(
        'div',
        { class: 'card' },
        h('h2', {}, 'Latest tags'),
        keyValueTable(
          Object.fromEntries(Object.entries(tags).filter(([k]) => !k.startsWith('mlflow.'))),
          'No tags.',
        ),
      ),
    ),
    h('h2', {}, 'Model performance'),
    h(
      'div',
      { class: 'card stat-row', id: 'latest-performance' },
      stat('Realized accuracy', score(metrics['performance.realized_accuracy'])),
      stat('Estimated accuracy', score(metrics['performance.estimated_accuracy'])),
      stat('Held-out accuracy', score(metrics['performance.held_out_accuracy'])),
      stat('Label coverage', score(metrics['labels.coverage'])),
    ),
    performancePlots.length === 0
      ? notice('The latest check logged no performance plots.')
      : h('div', { class: 'plots', id: 'performance-plots' }, performancePlots.map(figure)),
    h('h2', {}, 'Latest drift plots'),
    plots.length === 0
      ? notice('The latest check logged no plots.')
      : h('div', { class: 'plots', id: 'drift-plots' }, plots.map(figure)),
  );
}
