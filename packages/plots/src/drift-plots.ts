/**
 * Drift plots as PNG images: chart.js 4 drawing on @napi-rs/canvas (prebuilt
 * Skia, no native build, no network). A subpath export (`@mlops/core/plots`),
 * kept out of the core index so services that never plot do not load canvas.
 *
 * Every chart has a title, axis titles, a legend and a white background, and
 * uses a font that exists on the machine: @napi-rs/canvas bundles no font, so
 * ensurePlotFont picks an installed sans-serif family (or registers DejaVu /
 * Liberation from their usual paths). Without any font the text is simply not
 * drawn; rendering does not fail.
 */
import { existsSync } from 'node:fs';
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type ChartItem, type Plugin } from 'chart.js';
import { PRICE_CATEGORIES } from '@mlops/core';
import {
  CARDINALITY_COLUMN,
  PSI_ALERT_COLUMNS,
  type DriftHistoryPoint,
  type DriftThresholds,
  type AddressWindowSample,
  type ProductionWindowSummary,
} from '@mlops/core/drift';
import { InvalidArgumentError } from '@mlops/core';
import type { TextField } from '@mlops/core/listing';
import { cardinalityCurveSizes, expectedDistinctInSample, type ReferenceSnapshot } from '@mlops/core/drift';

Chart.register(...registerables);

/** Width and height of a PNG, in pixels. */
export interface PlotSize {
  width: number;
  height: number;
}

/** Default PNG size of every drift plot: 1000 x 560 px. */
export const DEFAULT_PLOT_SIZE: PlotSize = { width: 1000, height: 560 };

/** The plots' palette (also used by performance-plots.ts). */
export const COLORS = {
  reference: '#4C72B0',
  production: '#DD8452',
  threshold: '#C44E52',
  grid: '#e5e5e5',
  text: '#222222',
  series: ['#4C72B0', '#DD8452', '#55A868', '#8172B3', '#937860', '#DA8BC3', '#8C8C8C', '#CCB974', '#64B5CD'],
};

/** Installed families tried first, in order. */
const PREFERRED_FAMILIES = ['DejaVu Sans', 'Liberation Sans', 'Noto Sans', 'Arial', 'Helvetica'];
/** Font files registered when no family is installed (Debian/Ubuntu, Fedora, Alpine, macOS paths). */
const FONT_FILES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
  '/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/Library/Fonts/Arial.ttf',
  '/System/Library/Fonts/Supplemental/Arial.ttf',
];

let chosenFamily: string | null | undefined;

/**
 * Picks the font family of the plots: an installed preferred family, else the
 * first family a known font file registers as, else any installed family;
 * null when the machine has no font (text is then not drawn). Sets chart.js's
 * default font. Cached; chosen again if the chosen family disappears.
 */
export function ensurePlotFont(): string | null {
  // Fonts can be removed at run time (GlobalFonts.removeAll): choose again when the chosen one is gone.
  if (chosenFamily !== undefined && (chosenFamily === null || GlobalFonts.has(chosenFamily)))
    return chosenFamily;
  const installed = () => new Set(GlobalFonts.families.map((f) => f.family));
  let family = PREFERRED_FAMILIES.find((f) => installed().has(f)) ?? null;
  if (family === null) {
    for (const file of FONT_FILES) {
      if (!existsSync(file)) continue;
      if (GlobalFonts.registerFromPath(file)) {
        family = PREFERRED_FAMILIES.find((f) => installed().has(f)) ?? null;
        if (family) break;
      }
    }
  }
  family ??= GlobalFonts.families[0]?.family ?? null;
  chosenFamily = family;
  Chart.defaults.font.family = family ?? 'sans-serif';
  Chart.defaults.font.size = 13;
  Chart.defaults.color = COLORS.text;
  return family;
}

const whiteBackground: Plugin = {
  id: 'whiteBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

/** Throws InvalidArgumentError unless both sides are whole pixels in 200..8000. */
export function checkSize(size: PlotSize): void {
  for (const key of ['width', 'height'] as const) {
    const v = size[key];
    if (!Number.isInteger(v) || v < 200 || v > 8000) {
      throw new InvalidArgumentError(`plot ${key} must be an integer between 200 and 8000 px, got ${v}`);
    }
  }
}

/** Draws a chart.js configuration on a canvas of `size` and encodes it as PNG. */
export async function renderChart(config: ChartConfiguration, size: PlotSize): Promise<Buffer> {
  checkSize(size);
  ensurePlotFont();
  const canvas = createCanvas(size.width, size.height);
  const chart = new Chart(canvas.getContext('2d') as unknown as ChartItem, {
    ...config,
    options: { ...config.options, responsive: false, animation: false, devicePixelRatio: 1 },
    plugins: [...(config.plugins ?? []), whiteBackground],
  });
  try {
    // Encoding runs on libuv's thread pool, so several plots encode in parallel.
    return await canvas.encode('png');
  } finally {
    chart.destroy();
  }
}

/** chart.js title and subtitle options in the plots' style. */
export function titleOptions(title: string, subtitle?: string) {
  return {
    title: {
      display: true,
      text: title,
      font: { size: 18, weight: 'bold' as const },
      padding: { top: 6, bottom: 4 },
    },
    subtitle: {
      display: subtitle !== undefined,
      text: subtitle ?? '',
      font: { size: 13 },
      padding: { bottom: 10 },
    },
  };
}

function percent(n: number, total: number): number {
  return total > 0 ? (100 * n) / total : 0;
}

function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Options of plotCategoryDistribution. */
export interface CategoryPlotOptions {
  /** Column to plot; default `district`. */
  column?: TextField;
  /** Categories shown before the rest are pooled into `other`; default 20. */
  topN?: number;
  /** Line under the title, e.g. the PSI and its threshold. */
  subtitle?: string;
  size?: PlotSize;
}

/**
 * Category shares of a column, reference vs production, as grouped bars: the
 * topN categories by combined share (so categories that grew in production
 * show), sorted by that share, then `other` for the rest. Shares are of
 * non-missing rows, in percent.
 */
export async function plotCategoryDistribution(
  reference: ReferenceSnapshot,
  production: ProductionWindowSummary,
  options: CategoryPlotOptions = {},
): Promise<Buffer> {
  const column = options.column ?? 'district';
  const topN = options.topN ?? 20;
  const ref = reference.columns[column];
  const refCounts = new Map(ref.categories.map((c) => [c.value, c.count]));
  const refTotal = ref.rows - ref.missing;
  const prodCounts = production.categorical[column]?.counts ?? new Map<string, number>();
  let prodTotal = 0;
  for (const n of prodCounts.values()) prodTotal += n;

  const values = new Set([...refCounts.keys(), ...prodCounts.keys()]);
  const ranked = [...values]
    .map((value) => ({
      value,
      ref: percent(refCounts.get(value) ?? 0, refTotal),
      prod: percent(prodCounts.get(value) ?? 0, prodTotal),
    }))
    .sort((a, b) => b.ref + b.prod - (a.ref + a.prod) || (a.value < b.value ? -1 : 1));
  const shown = ranked.slice(0, topN);
  const rest = ranked.slice(topN);
  const labels = shown.map((c) => (refCounts.has(c.value) ? c.value : `${c.value} (unseen)`));
  const refShares = shown.map((c) => c.ref);
  const prodShares = shown.map((c) => c.prod);
  // The reference's own `other` bucket (top-K columns) joins the pooled rest.
  const refOther = rest.reduce((s, c) => s + c.ref, 0) + percent(ref.otherCount, refTotal);
  const prodOther = rest.reduce((s, c) => s + c.prod, 0);
  if (rest.length > 0 || ref.otherCount > 0) {
    labels.push(
      `other (${rest.length + (ref.complete ? 0 : ref.distinct - ref.categories.length)} categories)`,
    );
    refShares.push(refOther);
    prodShares.push(prodOther);
  }

  return renderChart(
    {
      type: 'bar',
      data: {
        labels,
        datasets: [
          {
            label: `reference (training, n = ${formatCount(refTotal)})`,
            data: refShares,
            backgroundColor: COLORS.reference,
          },
          {
            label: `production (window, n = ${formatCount(prodTotal)})`,
            data: prodShares,
            backgroundColor: COLORS.production,
          },
        ],
      },
      options: {
        plugins: {
          ...titleOptions(`${column}: reference vs production distribution`, options.subtitle),
          legend: { position: 'top' },
        },
        scales: {
          x: {
            title: { display: true, text: column },
            ticks: { autoSkip: false, maxRotation: 50, minRotation: 30 },
            grid: { display: false },
          },
          y: {
            beginAtZero: true,
            title: { display: true, text: 'share of non-missing rows (%)' },
            grid: { color: COLORS.grid },
          },
        },
      },
    },
    options.size ?? DEFAULT_PLOT_SIZE,
  );
}

/** Options of plotAddressCardinality. */
export interface CardinalityPlotOptions {
  /** Alert threshold of the ratio; draws the alert line at threshold x the reference curve. Default 1.3. */
  threshold?: number;
  subtitle?: string;
  size?: PlotSize;
}

/**
 * Address cardinality against sample size (log scale): the reference's
 * expected distinct addresses in a random sample of n rows, the alert line at
 * threshold x that, and the production sample's own expected distinct count at
 * n (the same formula on its multiplicities), up to the sizes each side has.
 */
export async function plotAddressCardinality(
  reference: ReferenceSnapshot,
  sample: AddressWindowSample | null,
  options: CardinalityPlotOptions = {},
): Promise<Buffer> {
  const threshold = options.threshold ?? 1.3;
  const profile = reference.cardinality.address;
  let sampled = 0;
  for (const [c, f] of sample?.frequencyOfCounts ?? []) sampled += c * f;
  const referencePoints = profile.curve.map((p) => ({ x: p.n, y: p.expectedDistinct }));
  const productionPoints = cardinalityCurveSizes(sampled).map((n) => ({
    x: n,
    y: expectedDistinctInSample(sample?.frequencyOfCounts ?? [], sampled, n),
  }));
  const everyNote = sample && sample.sampleEvery > 1 ? ` (every ${ordinal(sample.sampleEvery)} row)` : '';
  return renderChart(
    {
      type: 'line',
      data: {
        datasets: [
          {
            label: `reference: expected distinct in n training rows (N = ${formatCount(profile.nonMissing)})`,
            data: referencePoints,
            borderColor: COLORS.reference,
            backgroundColor: COLORS.reference,
            pointRadius: 3,
          },
          {
            label: `alert line: ${threshold} x reference`,
            data: referencePoints.map((p) => ({ x: p.x, y: p.y * threshold })),
            borderColor: COLORS.threshold,
            borderDash: [6, 4],
            pointRadius: 0,
          },
          {
            label: `production: expected distinct in n logged rows${everyNote} (n = ${formatCount(sampled)})`,
            data: productionPoints,
            borderColor: COLORS.production,
            backgroundColor: COLORS.production,
            pointRadius: 3,
          },
        ],
      },
      options: {
        parsing: false,
        plugins: {
          ...titleOptions(
            `${CARDINALITY_COLUMN} cardinality: distinct values vs sample size`,
            options.subtitle,
          ),
          legend: { position: 'top' },
        },
        scales: {
          x: {
            type: 'logarithmic',
            title: { display: true, text: 'sample size n (rows, log scale)' },
            ticks: { callback: logTickLabel, autoSkip: false, maxRotation: 0 },
            grid: { color: COLORS.grid },
          },
          y: {
            type: 'linear',
            beginAtZero: true,
            title: { display: true, text: `distinct ${CARDINALITY_COLUMN} values` },
            grid: { color: COLORS.grid },
          },
        },
      },
    },
    options.size ?? DEFAULT_PLOT_SIZE,
  );
}

/** Options of plotPredictionDistribution. */
export interface PredictionPlotOptions {
  subtitle?: string;
  size?: PlotSize;
}

/** Shares of low / medium / high: reference labels vs production predictions, as grouped bars (percent). */
export async function plotPredictionDistribution(
  reference: ReferenceSnapshot,
  production: ProductionWindowSummary,
  options: PredictionPlotOptions = {},
): Promise<Buffer> {
  const refTotal = reference.labels.counts.reduce((s, n) => s + n, 0);
  const prodTotal = production.predictions.reduce((s, n) => s + n, 0);
  return renderChart(
    {
      type: 'bar',
      data: {
        labels: [...PRICE_CATEGORIES],
        datasets: [
          {
            label: `reference labels (training, n = ${formatCount(refTotal)})`,
            data: reference.labels.counts.map((n) => percent(n, refTotal)),
            backgroundColor: COLORS.reference,
          },
          {
            label: `production predictions (window, n = ${formatCount(prodTotal)})`,
            data: production.predictions.map((n) => percent(n, prodTotal)),
            backgroundColor: COLORS.production,
          },
        ],
      },
      options: {
        plugins: {
          ...titleOptions('Price category: reference labels vs production predictions', options.subtitle),
          legend: { position: 'top' },
        },
        scales: {
          x: { title: { display: true, text: 'price category' }, grid: { display: false } },
          y: {
            beginAtZero: true,
            title: { display: true, text: 'share of rows (%)' },
            grid: { color: COLORS.grid },
          },
        },
      },
    },
    options.size ?? DEFAULT_PLOT_SIZE,
  );
}

/** Options of plotDriftHistory. */
export interface HistoryPlotOptions {
  /** Checks shown, most recent last; default 30. */
  lastN?: number;
  /** Default HISTORY_PLOT_SIZE (taller than the others: four panels). */
  size?: PlotSize;
}

/** Default PNG size of the history plot: 1000 x 800 px. */
export const HISTORY_PLOT_SIZE: PlotSize = { width: 1000, height: 800 };

/** Short UTC label of an ISO time for a time axis. */
export function checkLabel(iso: string): string {
  // "2024-05-01T10:05:00.000Z" -> "05-01 10:05:00" (UTC; seconds because demo schedules run every few seconds)
  return `${iso.slice(5, 10)} ${iso.slice(11, 19)}`;
}

/** "1st", "2nd", "3rd", "4th", ..., "11th", "12th", "13th", "21st" ... */
function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** Log-axis tick labels only at 1, 2 and 5 times a power of ten, so they never crowd. */
function logTickLabel(value: number | string): string {
  const v = Number(value);
  const mantissa = v / 10 ** Math.floor(Math.log10(v) + 1e-9);
  return [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6) ? v.toLocaleString('en-US') : '';
}

/**
 * Each alerting drift metric over the last checks, with its threshold, as four
 * panels sharing the time axis: PSI per column, address cardinality ratio,
 * prediction JSD, and the alert count with the retraining line (minAlerts).
 * `history` is oldest first and should include the current check.
 */
export async function plotDriftHistory(
  history: readonly DriftHistoryPoint[],
  thresholds: DriftThresholds,
  options: HistoryPlotOptions = {},
): Promise<Buffer> {
  const points = history.slice(-(options.lastN ?? 30));
  const labels = points.map((p) => checkLabel(p.checkedAt));
  const series = (name: string) => points.map((p) => p.values[name] ?? null);
  const flat = (value: number) => points.map(() => value);
  const thresholdLine = (label: string, value: number, yAxisID: string) => ({
    label,
    data: flat(value),
    yAxisID,
    borderColor: COLORS.threshold,
    borderDash: [6, 4],
    borderWidth: 1.5,
    pointRadius: 0,
    fill: false,
  });
  const psiColumns = PSI_ALERT_COLUMNS.filter((c) => points.some((p) => p.values[`psi.${c}`] != null));
  const datasets = [
    ...psiColumns.map((c, i) => ({
      label: `PSI ${c}`,
      data: series(`psi.${c}`),
      yAxisID: 'psi',
      borderColor: COLORS.series[i % COLORS.series.length],
      backgroundColor: COLORS.series[i % COLORS.series.length],
      pointRadius: 2,
      spanGaps: true,
    })),
    thresholdLine('alert threshold of the panel', thresholds.psi, 'psi'),
    {
      label: `${CARDINALITY_COLUMN} cardinality ratio`,
      data: series(`cardinality.${CARDINALITY_COLUMN}`),
      yAxisID: 'cardinality',
      borderColor: '#2F4B7C',
      backgroundColor: '#2F4B7C',
      pointRadius: 2,
      spanGaps: true,
    },
    { ...thresholdLine('', thresholds.cardinalityRatio, 'cardinality') },
    {
      label: 'prediction JSD',
      data: series('prediction.jsd'),
      yAxisID: 'jsd',
      borderColor: '#665191',
      backgroundColor: '#665191',
      pointRadius: 2,
      spanGaps: true,
    },
    { ...thresholdLine('', thresholds.predictionJsd, 'jsd') },
    {
      label: 'alerts',
      data: points.map((p) => p.alertCount),
      yAxisID: 'alerts',
      borderColor: '#333333',
      backgroundColor: '#333333',
      pointRadius: 2,
      stepped: true as const,
    },
    { ...thresholdLine('', thresholds.minAlerts, 'alerts') },
  ];
  const panel = (title: string, weight: number, extra: Record<string, unknown> = {}) => ({
    type: 'linear' as const,
    position: 'left' as const,
    stack: 'history',
    stackWeight: weight,
    beginAtZero: true,
    offset: true,
    // Headroom so a panel's largest value does not touch the panel above.
    grace: '10%',
    title: { display: true, text: title },
    grid: { color: COLORS.grid },
    ...extra,
  });
  return renderChart(
    {
      type: 'line',
      data: { labels, datasets },
      options: {
        plugins: {
          ...titleOptions(
            `Drift metrics over the last ${points.length} check${points.length === 1 ? '' : 's'}`,
            `dashed red lines: alert thresholds (PSI ${thresholds.psi}, cardinality ratio ${thresholds.cardinalityRatio}, ` +
              `prediction JSD ${thresholds.predictionJsd}; retraining at ${thresholds.minAlerts} alerts)`,
          ),
          legend: {
            position: 'bottom',
            labels: { boxWidth: 14, filter: (item) => item.text !== '' },
          },
        },
        scales: {
          x: { title: { display: true, text: 'check time (UTC)' }, grid: { color: COLORS.grid } },
          alerts: panel('alerts', 1, { ticks: { precision: 0 }, suggestedMax: thresholds.minAlerts + 1 }),
          jsd: panel('prediction JSD', 1, { suggestedMax: 2 * thresholds.predictionJsd }),
          cardinality: panel('address ratio', 1, { suggestedMax: 2 * thresholds.cardinalityRatio }),
          psi: panel('PSI', 2, { suggestedMax: 2 * thresholds.psi }),
        },
      },
    },
    options.size ?? HISTORY_PLOT_SIZE,
  );
}
