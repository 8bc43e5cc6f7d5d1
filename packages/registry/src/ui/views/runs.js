/* global location, URLSearchParams */
/** Runs of one experiment: params/metrics columns, server-side sorting and filtering, selection for compare. */
import { get, searchRuns } from '../api.js';
import {
  formatDuration,
  formatNumber,
  formatTime,
  h,
  notice,
  render,
  statusBadge,
  toRecord,
} from '../dom.js';

const MAX_COLUMNS = 8;

function columnKeys(runs, field) {
  const counts = new Map();
  for (const run of runs)
    for (const item of run.data?.[field] ?? []) counts.set(item.key, (counts.get(item.key) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, MAX_COLUMNS)
    .map(([key]) => key)
    .sort();
}

/** Quotes a key for an order_by clause when it is not a plain identifier. */
function field(type, key) {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(key) ? `${type}.${key}` : `${type}.\`${key.replace(/`/g, '')}\``;
}

export async function runsView(container, [experimentId], query) {
  const { experiment } = await get('experiments/get', { experiment_id: experimentId });
  const filter = query.get('filter') ?? '';
  const order = query.get('order') ?? 'attributes.start_time DESC';
  let runs = [];
  let filterError;
  try {
    runs = await searchRuns([experimentId], { filter, orderBy: [order] });
  } catch (error) {
    filterError = error.message;
  }
  const metricKeys = columnKeys(runs, 'metrics');
  const paramKeys = columnKeys(runs, 'params');
  const selected = new Set();

  const navigate = (changes) => {
    const next = new URLSearchParams({ filter, order, ...changes });
    if (!next.get('filter')) next.delete('filter');
    location.hash = `#/experiments/${encodeURIComponent(experimentId)}?${next}`;
  };
  const sortHeader = (label, orderField, numeric = false) => {
    const active = order.startsWith(`${orderField} `);
    const descending = order.endsWith('DESC');
    return h(
      'th',
      {
        class: `sortable${numeric ? ' num' : ''}`,
        title: `Sort by ${label}`,
        onclick: () => navigate({ order: `${orderField} ${active && descending ? 'ASC' : 'DESC'}` }),
      },
      label,
      active ? h('span', { class: 'arrow' }, descending ? ' ▼' : ' ▲') : null,
    );
  };

  const compareButton = h(
    'button',
    { type: 'button', class: 'primary', id: 'compare-button', disabled: true },
    'Compare selected',
  );
  const selectionLabel = h('span', { class: 'muted' }, '');
  const updateSelection = () => {
    compareButton.disabled = selected.size < 2;
    selectionLabel.textContent = selected.size ? `${selected.size} selected` : '';
  };
  compareButton.addEventListener('click', () => {
    location.hash = `#/compare?runs=${[...selected].map(encodeURIComponent).join(',')}`;
  });

  const filterInput = h('input', {
    type: 'search',
    id: 'filter-input',
    value: filter,
    placeholder: "Filter, e.g. metrics.macro_f1 > 0.8 AND params.trees = '100'",
    'aria-label': 'Filter runs',
  });
  const form = h(
    'form',
    {
      class: 'toolbar',
      onsubmit: (event) => (event.preventDefault(), navigate({ filter: filterInput.value.trim() })),
    },
    filterInput,
    h('button', { type: 'submit' }, 'Apply'),
    filter ? h('button', { type: 'button', onclick: () => navigate({ filter: '' }) }, 'Clear') : null,
    compareButton,
    selectionLabel,
  );

  const rows = runs.map((run) => {
    const metrics = toRecord(run.data?.metrics);
    const params = toRecord(run.data?.params);
    const checkbox = h('input', {
      type: 'checkbox',
      'aria-label': `Select ${run.info.run_name}`,
      onchange: (event) => {
        if (event.target.checked) selected.add(run.info.run_id);
        else selected.delete(run.info.run_id);
        updateSelection();
      },
    });
    return h(
      'tr',
      {},
      h('td', {}, checkbox),
      h(
        'td',
        {},
        h(
          'a',
          { href: `#/runs/${run.info.run_id}`, class: 'run-link' },
          run.info.run_name || run.info.run_id,
        ),
      ),
      h('td', {}, statusBadge(run.info.status)),
      h('td', { class: 'time' }, formatTime(run.info.start_time)),
      h('td', { class: 'time' }, formatDuration(run.info.start_time, run.info.end_time)),
      metricKeys.map((key) => h('td', { class: 'num' }, formatNumber(metrics[key]))),
      paramKeys.map((key) => h('td', {}, params[key] ?? '')),
    );
  });

  render(
    container,
    h('div', { class: 'crumbs' }, h('a', { href: '#/' }, 'Experiments'), ' / ', experiment.name),
    h('h1', {}, experiment.name),
    h(
      'p',
      { class: 'subtitle' },
      `Experiment ${experiment.experiment_id} · ${runs.length} run${runs.length === 1 ? '' : 's'} shown`,
    ),
    form,
    filterError ? notice(`Filter not accepted: ${filterError}`, 'error') : null,
    runs.length === 0 && !filterError
      ? notice(filter ? 'No runs match this filter.' : 'No runs in this experiment yet.')
      : h(
          'div',
          { class: 'card table-wrap' },
          h(
            'table',
            { id: 'runs-table' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', {}, ''),
                sortHeader('Run', 'attributes.run_name'),
                sortHeader('Status', 'attributes.status'),
                sortHeader('Started', 'attributes.start_time'),
                h('th', {}, 'Duration'),
                metricKeys.map((key) => sortHeader(key, field('metrics', key), true)),
                paramKeys.map((key) => sortHeader(key, field('params', key))),
              ),
            ),
            h('tbody', {}, rows),
          ),
        ),
  );
}
