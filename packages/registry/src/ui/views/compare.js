/** Side-by-side comparison of two or more runs: params and metrics tables, overlaid metric histories. */
import { get } from '../api.js';
import { lineChart, plottable } from '../charts.js';
import { formatNumber, h, notice, render, toRecord } from '../dom.js';
import { metricHistories } from './run.js';

function comparisonTable(title, id, runs, records, format) {
  const keys = [...new Set(records.flatMap((r) => Object.keys(r)))].sort();
  if (keys.length === 0)
    return h('div', { class: 'card' }, h('h2', {}, title), h('p', { class: 'muted' }, 'None.'));
  return h(
    'div',
    { class: 'card table-wrap' },
    h('h2', {}, title),
    h(
      'table',
      { id, class: 'diff' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'Key'),
          runs.map((run) => h('th', {}, run.info.run_name || run.info.run_id)),
        ),
      ),
      h(
        'tbody',
        {},
        keys.map((key) => {
          const values = records.map((r) => r[key]);
          const differs = new Set(values.map((v) => String(v))).size > 1;
          return h(
            'tr',
            { title: differs ? 'Values differ between runs' : undefined },
            h('td', {}, key),
            values.map((v) => h('td', { class: differs ? 'value' : '' }, v === undefined ? '—' : format(v))),
          );
        }),
      ),
    ),
  );
}

export async function compareView(container, _params, query) {
  const ids = (query.get('runs') ?? '').split(',').filter(Boolean);
  if (ids.length < 2) {
    render(
      container,
      h('h1', {}, 'Compare runs'),
      notice('Select two or more runs in an experiment to compare them.'),
    );
    return;
  }
  const runs = (await Promise.all(ids.map((id) => get('runs/get', { run_id: id })))).map((r) => r.run);
  const metricKeys = [...new Set(runs.flatMap((run) => (run.data?.metrics ?? []).map((m) => m.key)))].sort();
  const histories = await Promise.all(runs.map((run) => metricHistories(run.info.run_id, metricKeys)));
  const charts = metricKeys
    .filter((key) => histories.some((hist) => (hist[key] ?? []).length > 1))
    .map((key) =>
      lineChart(
        key,
        runs.map((run, i) => ({
          label: run.info.run_name || run.info.run_id,
          points: (histories[i][key] ?? []).map((p) => ({ x: p.step, y: plottable(p.value) })),
        })),
      ),
    );
  const experimentId = runs[0].info.experiment_id;
  render(
    container,
    h(
      'div',
      { class: 'crumbs' },
      h('a', { href: '#/' }, 'Experiments'),
      ' / ',
      h('a', { href: `#/experiments/${encodeURIComponent(experimentId)}` }, 'Runs'),
      ' / compare',
    ),
    h('h1', {}, `Comparing ${runs.length} runs`),
    h('p', { class: 'subtitle' }, 'Highlighted cells differ between runs.'),
    h(
      'div',
      { class: 'grid two' },
      comparisonTable(
        'Metrics',
        'compare-metrics',
        runs,
        runs.map((r) => toRecord(r.data?.metrics)),
        formatNumber,
      ),
      comparisonTable(
        'Parameters',
        'compare-params',
        runs,
        runs.map((r) => toRecord(r.data?.params)),
        String,
      ),
    ),
    charts.length ? h('h2', {}, 'Metric history') : null,
    charts.length ? h('div', { class: 'grid' }, charts) : null,
  );
}
