/**
 * Model performance plots as PNG: realized vs estimated accuracy over time
 * (chart.js, like the drift plots) and a confusion matrix (drawn straight on
 * the canvas: chart.js has no matrix chart without a plugin, and a grid of
 * cells needs none).
 */
import { createCanvas } from '@napi-rs/canvas';
import type { ChartDataset } from 'chart.js';
import { InvalidArgumentError, PRICE_CATEGORIES } from '@mlops/core';
import {
  COLORS,
  DEFAULT_PLOT_SIZE,
  checkLabel,
  checkSize,
  ensurePlotFont,
  renderChart,
  titleOptions,
  type PlotSize,
} from './drift-plots.js';

/** One monitoring window of the accuracy plot. */
export interface AccuracyPoint {
  /** When the window was evaluated (Date, epoch milliseconds or ISO text). */
  time: Date | number | string;
  /** Realized accuracy from feedback; absent when the window had too few labels. */
  realized?: number | null;
  /** Estimated accuracy from the served probabilities. */
  estimated: number;
  /** The model version's held-out accuracy at training. */
  heldOut?: number | null;
}

/** Options of realizedVsEstimatedPlot. */
export interface AccuracyPlotOptions {
  /** Accuracy drop that alerts: draws held-out minus this as the alert line. */
  threshold?: number;
  subtitle?: string;
  size?: PlotSize;
}

function isoTime(time: Date | number | string, index: number): string {
  const date = time instanceof Date ? time : new Date(time);
  if (Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError(`points[${index}].time is not a time: ${JSON.stringify(time)}`);
  }
  return date.toISOString();
}

function checkAccuracy(value: number | null | undefined, what: string): number | null {
  if (value === undefined || value === null) return null;
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new InvalidArgumentError(`${what} must be an accuracy between 0 and 1, got ${value}`);
  }
  return value;
}

/**
 * Realized and estimated accuracy per monitoring window, oldest first, with the
 * held-out accuracy at training and (given a threshold) the alert line below it.
 * Realized points are missing where a window had no realized accuracy.
 * @throws InvalidArgumentError on no points, a bad time or an accuracy outside [0, 1]
 */
export async function realizedVsEstimatedPlot(
  points: readonly AccuracyPoint[],
  options: AccuracyPlotOptions = {},
): Promise<Buffer> {
  if (points.length === 0) throw new InvalidArgumentError('realizedVsEstimatedPlot needs at least one point');
  const labels = points.map((p, i) => checkLabel(isoTime(p.time, i)));
  const realized = points.map((p, i) => checkAccuracy(p.realized, `points[${i}].realized`));
  const estimated = points.map((p, i) => checkAccuracy(p.estimated, `points[${i}].estimated`));
  if (estimated.some((v) => v === null)) {
    throw new InvalidArgumentError('every point needs an estimated accuracy');
  }
  const heldOut = points.map((p, i) => checkAccuracy(p.heldOut, `points[${i}].heldOut`));
  const threshold = options.threshold;
  const datasets: ChartDataset<'line', (number | null)[]>[] = [
    {
      label: 'realized accuracy (feedback labels)',
      data: realized,
      borderColor: COLORS.reference,
      backgroundColor: COLORS.reference,
      pointRadius: 3,
      spanGaps: false,
    },
    {
      label: 'estimated accuracy (calibrated confidence, no labels)',
      data: estimated,
      borderColor: COLORS.production,
      backgroundColor: COLORS.production,
      borderDash: [4, 3],
      pointRadius: 3,
    },
  ];
  if (heldOut.some((v) => v !== null)) {
    datasets.push({
      label: 'held-out accuracy at training',
      data: heldOut,
      borderColor: '#55A868',
      backgroundColor: '#55A868',
      pointRadius: 0,
      spanGaps: true,
      stepped: true,
    });
    if (threshold !== undefined) {
      datasets.push({
        label: `alert line: held-out - ${threshold}`,
        data: heldOut.map((v) => (v === null ? null : v - threshold)),
        borderColor: COLORS.threshold,
        backgroundColor: COLORS.threshold,
        borderDash: [6, 4],
        pointRadius: 0,
        spanGaps: true,
        stepped: true,
      });
    }
  }
  return renderChart(
    {
      type: 'line',
      data: { labels, datasets },
      options: {
        plugins: {
          ...titleOptions('Model accuracy: realized vs estimated', options.subtitle),
          legend: { position: 'top' },
        },
        scales: {
          x: { title: { display: true, text: 'window (UTC)' }, grid: { color: COLORS.grid } },
          y: {
            title: { display: true, text: 'accuracy' },
            grace: '10%',
            grid: { color: COLORS.grid },
          },
        },
      },
    },
    options.size ?? DEFAULT_PLOT_SIZE,
  );
}

/** Options of confusionMatrixPlot. */
export interface ConfusionPlotOptions {
  subtitle?: string;
  /** Default 640 x 600 px. */
  size?: PlotSize;
}

/** Default PNG size of the confusion matrix. */
export const CONFUSION_PLOT_SIZE: PlotSize = { width: 640, height: 600 };

/**
 * A confusion matrix as a heat map: rows are true categories, columns
 * predicted ones; each cell shows its count and its share of the row (the
 * recall on the diagonal) and is shaded by that share.
 * @param confusion `confusion[t][p]`, square, one row per label
 * @param labels category names in matrix order; default PRICE_CATEGORIES
 * @throws InvalidArgumentError on a matrix that is not square, does not match the labels, or holds a negative count
 */
export async function confusionMatrixPlot(
  confusion: readonly (readonly number[])[],
  labels: readonly string[] = PRICE_CATEGORIES,
  options: ConfusionPlotOptions = {},
): Promise<Buffer> {
  const k = labels.length;
  if (k === 0 || confusion.length !== k || confusion.some((row) => row.length !== k)) {
    throw new InvalidArgumentError(
      `confusion must be a ${k} x ${k} matrix (one row and column per label: ${labels.join(', ')})`,
    );
  }
  confusion.forEach((row, t) =>
    row.forEach((n, p) => {
      if (!Number.isFinite(n) || n < 0) {
        throw new InvalidArgumentError(`confusion[${t}][${p}] must be a count >= 0, got ${n}`);
      }
    }),
  );
  const size = options.size ?? CONFUSION_PLOT_SIZE;
  checkSize(size);
  const family = ensurePlotFont() ?? 'sans-serif';
  const canvas = createCanvas(size.width, size.height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, size.width, size.height);

  const total = confusion.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
  const correct = confusion.reduce((s, row, i) => s + row[i]!, 0);
  ctx.fillStyle = COLORS.text;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.font = `bold 18px "${family}"`;
  ctx.fillText('Confusion matrix', size.width / 2, 8);
  ctx.font = `13px "${family}"`;
  ctx.fillText(
    options.subtitle ??
      `${total.toLocaleString('en-US')} labelled rows, accuracy ${total ? ((100 * correct) / total).toFixed(1) : '-'} %`,
    size.width / 2,
    32,
  );

  const left = 110;
  const top = 80;
  const bottom = 50;
  const gridSize = Math.min(size.width - left - 30, size.height - top - bottom);
  const cell = gridSize / k;
  ctx.font = `13px "${family}"`;
  ctx.textBaseline = 'middle';
  for (let t = 0; t < k; t++) {
    const rowTotal = confusion[t]!.reduce((a, b) => a + b, 0);
    for (let p = 0; p < k; p++) {
      const n = confusion[t]![p]!;
      const share = rowTotal > 0 ? n / rowTotal : 0;
      const x = left + p * cell;
      const y = top + t * cell;
      // White to the reference blue by the row share.
      const mix = (from: number, to: number) => Math.round(from + (to - from) * share);
      ctx.fillStyle = `rgb(${mix(255, 0x4c)}, ${mix(255, 0x72)}, ${mix(255, 0xb0)})`;
      ctx.fillRect(x, y, cell, cell);
      ctx.strokeStyle = '#ffffff';
      ctx.strokeRect(x, y, cell, cell);
      ctx.fillStyle = share > 0.5 ? '#ffffff' : COLORS.text;
      ctx.font = `bold 16px "${family}"`;
      ctx.fillText(n.toLocaleString('en-US'), x + cell / 2, y + cell / 2 - 9);
      ctx.font = `13px "${family}"`;
      ctx.fillText(rowTotal > 0 ? `${(100 * share).toFixed(1)} %` : '-', x + cell / 2, y + cell / 2 + 11);
    }
  }
  ctx.fillStyle = COLORS.text;
  ctx.font = `13px "${family}"`;
  labels.forEach((label, i) => {
    ctx.textAlign = 'center';
    ctx.fillText(label, left + (i + 0.5) * cell, top - 12);
    ctx.textAlign = 'right';
    ctx.fillText(label, left - 10, top + (i + 0.5) * cell);
  });
  ctx.textAlign = 'center';
  ctx.fillText('predicted', left + gridSize / 2, top + gridSize + 20);
  ctx.save();
  ctx.translate(24, top + gridSize / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText('true (share of the row: recall on the diagonal)', 0, 0);
  ctx.restore();
  return canvas.encode('png');
}
