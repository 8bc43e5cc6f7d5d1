/**
 * Metrics as the CLI prints them: a plain-text table for people, a flat JSON
 * object (snake_case names, as the registry logs them) for `--json`.
 */
import { PRICE_CATEGORIES } from '@mlops/core';
import { type ClassificationMetrics } from '@mlops/core/model';

/** The headline metrics plus per-class figures and the confusion matrix, for a terminal. */
export function formatMetrics(
  title: string,
  metrics: ClassificationMetrics,
  baseline?: ClassificationMetrics | null,
): string {
  const f = (v: number | null) => (v === null ? '-' : v.toFixed(4));
  const rows: [string, string, string?][] = [
    ['accuracy', f(metrics.accuracy), baseline ? f(baseline.accuracy) : undefined],
    ['macro F1', f(metrics.macro_f1), baseline ? f(baseline.macro_f1) : undefined],
    ['weighted F1', f(metrics.weighted_f1), baseline ? f(baseline.weighted_f1) : undefined],
    ['macro precision', f(metrics.macro_precision), baseline ? f(baseline.macro_precision) : undefined],
    ['macro recall', f(metrics.macro_recall), baseline ? f(baseline.macro_recall) : undefined],
    ['ROC-AUC macro', f(metrics.roc_auc_macro), baseline ? f(baseline.roc_auc_macro) : undefined],
    ['ROC-AUC weighted', f(metrics.roc_auc_weighted), baseline ? f(baseline.roc_auc_weighted) : undefined],
    ['log loss', f(metrics.log_loss), baseline ? f(baseline.log_loss) : undefined],
  ];
  const lines = [title, ''];
  lines.push(
    baseline
      ? `${'metric'.padEnd(18)}${'model'.padStart(8)}  ${'baseline'.padStart(8)}`
      : `${'metric'.padEnd(18)}${'value'.padStart(8)}`,
  );
  for (const [name, value, base] of rows) {
    lines.push(`${name.padEnd(18)}${value.padStart(8)}${base === undefined ? '' : `  ${base.padStart(8)}`}`);
  }
  lines.push(
    '',
    `${'class'.padEnd(8)}${'precision'.padStart(10)}${'recall'.padStart(8)}${'F1'.padStart(8)}${'support'.padStart(9)}`,
  );
  for (const c of PRICE_CATEGORIES) {
    const m = metrics.per_class[c];
    if (!m) continue;
    lines.push(
      `${c.padEnd(8)}${f(m.precision).padStart(10)}${f(m.recall).padStart(8)}${f(m.f1).padStart(8)}${String(m.support).padStart(9)}`,
    );
  }
  lines.push('', `confusion matrix (rows true, columns predicted: ${PRICE_CATEGORIES.join(', ')})`);
  for (const [i, row] of metrics.confusion_matrix.entries()) {
    lines.push(
      `${(PRICE_CATEGORIES[i] ?? String(i)).padEnd(8)}${row.map((n) => String(n).padStart(8)).join('')}`,
    );
  }
  return lines.join('\n');
}

/** The metrics as a flat JSON object (all of ClassificationMetrics except the row count). */
export function metricsJson(metrics: ClassificationMetrics): Omit<ClassificationMetrics, 'n'> {
  const { n: _n, ...rest } = metrics;
  return rest;
}
