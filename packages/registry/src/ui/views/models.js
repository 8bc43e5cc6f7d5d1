/** Registered models, and one model's versions with their runs' metrics, aliases and the promote action. */
import { get, send } from '../api.js';
import { aliasBadge, formatNumber, formatTime, h, notice, render, toRecord } from '../dom.js';
import { confirmAction } from './confirm.js';

const PROMOTABLE = ['production', 'staging'];
const METRIC_COLUMNS = 6;

export async function modelsView(container) {
  const models = [];
  let pageToken;
  do {
    const page = await get('registered-models/search', { max_results: 1000, page_token: pageToken });
    models.push(...(page.registered_models ?? []));
    pageToken = page.next_page_token;
  } while (pageToken);
  const rows = models.map((model) => {
    const latest = (model.latest_versions ?? []).reduce((max, v) => Math.max(max, Number(v.version)), 0);
    return h(
      'tr',
      {},
      h(
        'td',
        {},
        h('a', { href: `#/models/${encodeURIComponent(model.name)}`, class: 'model-link' }, model.name),
      ),
      h(
        'td',
        {},
        (model.aliases ?? []).map((a) =>
          h('span', {}, aliasBadge(a.alias), h('span', { class: 'muted' }, `v${a.version} `)),
        ),
      ),
      h('td', {}, latest ? `v${latest}` : '—'),
      h('td', {}, model.description ?? ''),
      h('td', {}, formatTime(model.last_updated_timestamp)),
    );
  });
  render(
    container,
    h('h1', {}, 'Registered models'),
    h(
      'p',
      { class: 'subtitle' },
      'Versions registered from training runs; the API serves the version aliased production.',
    ),
    models.length === 0
      ? notice('No registered models yet.')
      : h(
          'div',
          { class: 'card table-wrap' },
          h(
            'table',
            { id: 'models-table' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Name', 'Aliases', 'Latest', 'Description', 'Updated'].map((t) => h('th', {}, t)),
              ),
            ),
            h('tbody', {}, rows),
          ),
        ),
  );
}

export async function modelView(container, [name]) {
  const { registered_model: model } = await get('registered-models/get', { name });
  const { model_versions: versions = [] } = await get('model-versions/search', {
    filter: `name='${name.replace(/'/g, "''")}'`,
    max_results: 1000,
  });
  // Each version's run, for its metrics (a version without a reachable run just shows no metrics).
  const runs = await Promise.all(
    versions.map((v) =>
      v.run_id
        ? get('runs/get', { run_id: v.run_id }).then(
            (r) => r.run,
            () => undefined,
          )
        : undefined,
    ),
  );
  const metricsByVersion = runs.map((run) => toRecord(run?.data?.metrics));
  const metricKeys = [...new Set(metricsByVersion.flatMap((m) => Object.keys(m)))]
    .sort()
    .slice(0, METRIC_COLUMNS);

  const promote = (version, alias) =>
    confirmAction({
      title: `Set ${alias} to version ${version.version}?`,
      text:
        alias === 'production'
          ? `The prediction API will switch to ${name} version ${version.version} on its next refresh.`
          : `Alias ${alias} of ${name} will point at version ${version.version}.`,
      confirmLabel: `Set ${alias}`,
      action: () => send('POST', 'registered-models/alias', { name, alias, version: version.version }),
    }).then((done) => {
      if (done) return modelView(container, [name]);
      return undefined;
    });

  const rows = versions.map((version, i) => {
    const run = runs[i];
    return h(
      'tr',
      { 'data-version': version.version },
      h('td', {}, h('strong', {}, `v${version.version}`)),
      h('td', {}, (version.aliases ?? []).map(aliasBadge)),
      h('td', { class: 'time' }, formatTime(version.creation_timestamp)),
      h(
        'td',
        {},
        run
          ? h(
              'a',
              { href: `#/runs/${run.info.run_id}`, class: 'run-link' },
              run.info.run_name || run.info.run_id,
            )
          : h('span', { class: 'muted' }, '—'),
      ),
      metricKeys.map((key) => h('td', { class: 'num' }, formatNumber(metricsByVersion[i][key]))),
      h(
        'td',
        {},
        PROMOTABLE.map((alias) =>
          (version.aliases ?? []).includes(alias)
            ? null
            : h(
                'button',
                {
                  class: 'small promote',
                  type: 'button',
                  'data-alias': alias,
                  onclick: () => promote(version, alias),
                },
                `Make ${alias}`,
              ),
        ),
      ),
    );
  });
  render(
    container,
    h('div', { class: 'crumbs' }, h('a', { href: '#/models' }, 'Models'), ' / ', model.name),
    h('h1', {}, model.name),
    model.description ? h('p', { class: 'subtitle' }, model.description) : null,
    h(
      'div',
      { class: 'card stat-row' },
      (model.aliases ?? []).length
        ? (model.aliases ?? []).map((a) =>
            h(
              'div',
              { class: 'stat' },
              h('div', { class: 'label' }, a.alias),
              h('div', { class: 'value' }, `version ${a.version}`),
            ),
          )
        : h('span', { class: 'muted' }, 'No aliases yet: promote a version below.'),
    ),
    versions.length === 0
      ? notice('No versions registered yet.')
      : h(
          'div',
          { class: 'card table-wrap' },
          h(
            'table',
            { id: 'versions-table' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Version', 'Aliases', 'Registered', 'Run'].map((t) => h('th', {}, t)),
                metricKeys.map((key) => h('th', { class: 'num' }, key)),
                h('th', {}, 'Promote'),
              ),
            ),
            h('tbody', {}, rows),
          ),
        ),
  );
}
