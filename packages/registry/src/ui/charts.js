/* global Chart */
/**
 * Line charts with the vendored Chart.js (served from the installed npm
 * package, no CDN). Charts are destroyed when the view changes.
 */
import { h } from './dom.js';

const PALETTE = [
  '#2457c5',
  '#d9480f',
  '#2b8a3e',
  '#862e9c',
  '#c2255c',
  '#0b7285',
  '#e67700',
  '#495057',
  '#5c7cfa',
  '#94d82d',
  '#f783ac',
  '#66d9e8',
];
let live = [];

/** Destroys the charts of the previous view. */
export function resetCharts() {
  for (const chart of live) chart.destroy();
  live = [];
}

/**
 * A card with a line chart. `series` is `[{label, points: [{x, y}]}]`; x is a
 * number (step) unless `xLabels` is given (then points use the label index).
 */
export function lineChart(title, series, { xTitle = 'step', xLabels, yTitle } = {}) {
  const canvas = h('canvas', { role: 'img', 'aria-label': `Chart of ${title}` });
  const box = h(
    'div',
    { class: 'card chart-card' },
    h('div', { class: 'chart-title' }, title),
    h('div', { class: 'chart-box' }, canvas),
  );
  if (typeof Chart === 'undefined') {
    box.appendChild(h('p', { class: 'muted' }, 'Charts are unavailable (Chart.js did not load).'));
    return box;
  }
  const chart = new Chart(canvas, {
    type: 'line',
    data: {
      labels: xLabels,
      datasets: series.map((s, i) => ({
        label: s.label,
        data: xLabels ? s.points.map((p) => p.y) : s.points,
        borderColor: PALETTE[i % PALETTE.length],
        backgroundColor: PALETTE[i % PALETTE.length],
        borderWidth: 2,
        pointRadius: s.points.length > 60 ? 0 : 3,
        tension: 0,
        spanGaps: true,
      })),
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      interaction: { mode: 'nearest', intersect: false },
      plugins: { legend: { display: series.length > 1, position: 'bottom', labels: { boxWidth: 12 } } },
      scales: {
        x: xLabels
          ? {
              type: 'category',
              title: { display: true, text: xTitle },
              ticks: { maxRotation: 0, autoSkipPadding: 16 },
            }
          : { type: 'linear', title: { display: true, text: xTitle } },
        y: { title: { display: Boolean(yTitle), text: yTitle ?? '' }, grace: '5%' },
      },
    },
  });
  live.push(chart);
  return box;
}

/** Chart.js cannot plot MLflow's "NaN"/"Infinity" strings: drop them. */
export function plottable(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
