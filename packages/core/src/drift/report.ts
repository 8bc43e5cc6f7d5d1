/**
 * The drift summary table of one check, as Markdown and as a self-contained
 * HTML page (every value escaped): one row per check (metric, value,
 * threshold, status, note), alerting checks first, under a headline with the
 * overall status, the window and the reference.
 */
import type { DriftCheck, DriftEvaluation } from './statistics.js';

/** What a report shows besides the evaluation. */
export interface DriftReportInput {
  evaluation: DriftEvaluation;
  /** ISO time of the check. */
  checkedAt: string;
  /** How the production window was chosen, in words (e.g. "since 2024-05-01T10:00:00.000Z"). */
  windowDescription: string;
  /** Served time of the window's first and last row, epoch ms. */
  firstTs: number | null;
  lastTs: number | null;
  /** The reference snapshot's build time (ISO) and training rows. */
  referenceCreatedAt: string;
  referenceRows: number;
  /** Images to show under the table (HTML) or link (Markdown), with paths relative to the report. */
  plots?: { title: string; href: string }[];
}

const STATUS_TEXT: Record<DriftCheck['status'], string> = {
  ok: 'ok',
  alert: 'ALERT',
  info: 'info',
  'n/a': 'n/a',
  'insufficient-data': 'insufficient data',
};

/** The check's value for people: PSI/JSD to 4 decimals, ratios to 3, shares and rate changes in percent. */
export function formatDriftValue(check: Pick<DriftCheck, 'metric' | 'value'>): string {
  const v = check.value;
  if (v === null) return 'n/a';
  switch (check.metric) {
    case 'psi':
    case 'prediction_jsd':
      return v.toFixed(4);
    case 'cardinality_ratio':
      return v.toFixed(3);
    case 'unseen_share':
      return `${(100 * v).toFixed(2)} %`;
    case 'missing_rate_change':
      return `${v > 0 ? '+' : ''}${(100 * v).toFixed(2)} pp`;
  }
}

function formatThreshold(check: DriftCheck): string {
  return check.threshold === null ? '-' : `> ${check.threshold}`;
}

function formatTime(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString();
}

/** One line saying how the check came out. */
export function driftHeadline(evaluation: DriftEvaluation): string {
  const { thresholds, windowRows, alertCount } = evaluation;
  if (evaluation.status === 'insufficient-data') {
    return `insufficient data: ${windowRows} rows in the window, at least ${thresholds.minSamples} needed before any alert`;
  }
  if (alertCount === 0) return `ok: no alert over ${windowRows} rows`;
  const retrain = evaluation.retrainRecommended
    ? `retraining recommended (${thresholds.minAlerts} or more alerts)`
    : `below the ${thresholds.minAlerts} alerts that trigger retraining`;
  return `drift: ${alertCount} alert${alertCount === 1 ? '' : 's'} (${evaluation.alerts.map((a) => a.name).join(', ')}) over ${windowRows} rows; ${retrain}`;
}

function contextLines(input: DriftReportInput): [string, string][] {
  return [
    ['Checked at', input.checkedAt],
    ['Production window', input.windowDescription],
    ['Rows in window', String(input.evaluation.windowRows)],
    ['First / last row served', `${formatTime(input.firstTs)} / ${formatTime(input.lastTs)}`],
    ['Reference', `${input.referenceRows} training rows, built ${input.referenceCreatedAt}`],
  ];
}

/** Escapes text for a Markdown table cell: pipes, backslashes, line breaks. */
function markdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** The report as Markdown: headline, context, the summary table of every check, plot links. */
export function renderDriftReportMarkdown(input: DriftReportInput): string {
  const lines = [
    '# Drift check',
    '',
    `**Status: ${markdownCell(driftHeadline(input.evaluation))}**`,
    '',
    ...contextLines(input).map(([k, v]) => `- ${k}: ${markdownCell(v)}`),
    '',
    '| metric | value | threshold | status | note |',
    '| --- | ---: | ---: | --- | --- |',
    ...input.evaluation.checks.map(
      (c) =>
        `| ${markdownCell(c.name)} | ${formatDriftValue(c)} | ${formatThreshold(c)} | ${STATUS_TEXT[c.status]} | ${markdownCell(c.note ?? '')} |`,
    ),
    '',
    'Alerting checks have a threshold; informational ones (threshold "-") never alert. ' +
      'PSI uses natural logs with shares smoothed by 1e-4; prediction JSD uses base-2 logs (0..1).',
  ];
  if (input.plots?.length) {
    lines.push(
      '',
      '## Plots',
      '',
      ...input.plots.map((p) => `![${markdownCell(p.title)}](${encodeURI(p.href)})`),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const HTML_STYLE = `
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; margin: 0 0 8px; }
.status { padding: 8px 12px; border-radius: 4px; font-weight: bold; display: inline-block; margin: 6px 0 12px; }
.status.ok { background: #e3f4e6; } .status.drift { background: #fbe3e4; } .status.insufficient-data { background: #eeeeee; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; margin: 0 0 16px; }
dt { color: #555; } dd { margin: 0; }
table { border-collapse: collapse; font-size: 14px; }
th, td { border: 1px solid #ddd; padding: 4px 10px; text-align: left; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.alert td { background: #fbe3e4; font-weight: bold; } tr.info td, tr.n\\/a td { color: #666; }
img { max-width: 100%; border: 1px solid #ddd; margin: 8px 0; display: block; }
p.note { color: #555; font-size: 13px; }
`;

/** The report as one self-contained HTML page (inline style, escaped values, plots as <img>). */
export function renderDriftReportHtml(input: DriftReportInput): string {
  const { evaluation } = input;
  const rows = evaluation.checks
    .map(
      (c) =>
        `<tr class="${escapeHtml(c.status)}"><td>${escapeHtml(c.name)}</td><td class="num">${escapeHtml(formatDriftValue(c))}</td>` +
        `<td class="num">${escapeHtml(formatThreshold(c))}</td><td>${escapeHtml(STATUS_TEXT[c.status])}</td>` +
        `<td>${escapeHtml(c.note ?? '')}</td></tr>`,
    )
    .join('\n');
  const context = contextLines(input)
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
    .join('\n');
  const plots = (input.plots ?? [])
    .map(
      (p) =>
        `<h2>${escapeHtml(p.title)}</h2>\n<img src="${escapeHtml(p.href)}" alt="${escapeHtml(p.title)}">`,
    )
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Drift check ${escapeHtml(input.checkedAt)}</title>
<style>${HTML_STYLE}</style>
</head>
<body>
<h1>Drift check</h1>
<div class="status ${escapeHtml(evaluation.status)}">${escapeHtml(driftHeadline(evaluation))}</div>
<dl>
${context}
</dl>
<table>
<thead><tr><th>metric</th><th>value</th><th>threshold</th><th>status</th><th>note</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<p class="note">Alerting checks have a threshold; informational ones (threshold "-") never alert. PSI uses natural logs with shares smoothed by 1e-4; prediction JSD uses base-2 logs (0..1).</p>
${plots}
</body>
</html>
`;
}
