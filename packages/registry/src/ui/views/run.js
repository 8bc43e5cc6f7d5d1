/** One run: summary, params, tags, metric history charts, artifacts. */
import { get } from '../api.js';
import { lineChart, plottable } from '../charts.js';
import { formatDuration, formatTime, h, keyValueTable, render, statusBadge, toRecord } from '../dom.js';
import { artifactBrowser } from './artifacts.js';

/** Full history of every metric of a run, keyed by metric name. */
export async function metricHistories(runId, keys) {
  const entries = await Promise.all(
    keys.map(async (key) => {
      const { metrics = [] } = await get('metrics/get-history', {
        run_id: runId,
        metric_key: key,
        max_results: 25000,
      });
      return [key, metrics];
    }),
  );
  return Object.fromEntries(entries);
}

function stat(label, value) {
  return h(
    'div',
    { class: 'stat' },
    h('div', { class: 'label' }, label),
    h('div', { class: 'value' }, value),
  );
}

export async function runView(container, [runId]) {
  const { run } = await get('runs/get', { run_id: runId });
  const { experiment } = await get('experiments/get', { experiment_id: run.info.experiment_id });
  const metrics = toRecord(run.data?.metrics);
  const allTags = toRecord(run.data?.tags);
  const userTags = Object.fromEntries(Object.entries(allTags).filter(([key]) => !key.startsWith('mlflow.')));
  const systemTags = Object.fromEntries(Object.entries(allTags).filter(([key]) => key.startsWith('mlflow.')));
  const histories = await metricHistories(runId, Object.keys(metrics).sort());

  // A metric logged once is a number, not a curve: list those in the table only.
  const charts = Object.entries(histories)
    .filter(([, points]) => points.length > 1)
    .map(([key, points]) =>
      lineChart(key, [{ label: key, points: points.map((p) => ({ x: p.step, y: plottable(p.value) })) }]),
    );

  render(
    container,
    h(
      'div',
      { class: 'crumbs' },
      h('a', { href: '#/' }, 'Experiments'),
      ' / ',
      h('a', { href: `#/experiments/${encodeURIComponent(experiment.experiment_id)}` }, experiment.name),
      ' / ',
      run.info.run_name,
    ),
    h('h1', { id: 'run-title' }, run.info.run_name || run.info.run_id),
    h(
      'div',
      { class: 'card stat-row' },
      stat('Status', statusBadge(run.info.status)),
      stat('Started', formatTime(run.info.start_time)),
      stat('Duration', formatDuration(run.info.start_time, run.info.end_time)),
      stat('User', run.info.user_id || '—'),
      stat('Run ID', h('code', {}, run.info.run_id)),
    ),
    h(
      'div',
      { class: 'grid two' },
      h(
        'div',
        { class: 'card', id: 'metrics' },
        h('h2', {}, 'Metrics'),
        keyValueTable(metrics, 'No metrics logged.'),
      ),
      h(
        'div',
        { class: 'card', id: 'params' },
        h('h2', {}, 'Parameters'),
        keyValueTable(toRecord(run.data?.params), 'No parameters logged.'),
      ),
      h(
        'div',
        { class: 'card', id: 'tags' },
        h('h2', {}, 'Tags'),
        keyValueTable(userTags, 'No tags.'),
        Object.keys(systemTags).length
          ? h('details', {}, h('summary', { class: 'muted' }, 'System tags'), keyValueTable(systemTags, ''))
          : null,
      ),
    ),
    charts.length ? h('h2', {}, 'Metric history') : null,
    charts.length ? h('div', { class: 'grid' }, charts) : null,
    await artifactBrowser(run),
  );
}
