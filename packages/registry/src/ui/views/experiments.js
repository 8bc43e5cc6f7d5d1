/** The experiments list. */
import { send } from '../api.js';
import { formatTime, h, notice, render } from '../dom.js';

export async function experimentsView(container) {
  const experiments = [];
  let pageToken;
  do {
    const page = await send('POST', 'experiments/search', {
      max_results: 1000,
      page_token: pageToken,
      order_by: ['name ASC'],
    });
    experiments.push(...(page.experiments ?? []));
    pageToken = page.next_page_token;
  } while (pageToken);
  // Run counts in one search per experiment would be slow with many runs; show the latest run time instead.
  const rows = experiments.map((e) => {
    return h(
      'tr',
      {},
      h(
        'td',
        {},
        h(
          'a',
          { href: `#/experiments/${encodeURIComponent(e.experiment_id)}`, class: 'experiment-link' },
          e.name,
        ),
      ),
      h('td', { class: 'muted' }, e.experiment_id),
      h('td', {}, formatTime(e.creation_time)),
      h('td', {}, formatTime(e.last_update_time)),
    );
  });
  render(
    container,
    h('h1', {}, 'Experiments'),
    h(
      'p',
      { class: 'subtitle' },
      'Training runs, monitoring checks and anything else logged through the MLflow API.',
    ),
    experiments.length === 0
      ? notice('No experiments yet.')
      : h(
          'div',
          { class: 'card table-wrap' },
          h(
            'table',
            { id: 'experiments-table' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Name', 'ID', 'Created', 'Last update'].map((t) => h('th', {}, t)),
              ),
            ),
            h('tbody', {}, rows),
          ),
        ),
  );
}
