import { createCanvas, loadImage } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@mlops/core';
import { DEFAULT_PLOT_SIZE } from '../src/drift-plots.js';
import {
  CONFUSION_PLOT_SIZE,
  confusionMatrixPlot,
  realizedVsEstimatedPlot,
} from '../src/performance-plots.js';

/** Width and height from a PNG's signature and IHDR chunk; throws when it is not a PNG. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Distinct colours of the decoded image (sampled), to tell a drawn chart from a blank page. */
async function colourCount(png: Buffer): Promise<number> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const { data } = ctx.getImageData(0, 0, image.width, image.height);
  const colours = new Set<number>();
  for (let i = 0; i < data.length; i += 4 * 7)
    colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
  return colours.size;
}

describe('realizedVsEstimatedPlot', () => {
  it('draws realized (with gaps), estimated, held-out and the alert line', async () => {
    const start = Date.parse('2024-05-01T10:00:00Z');
    const points = Array.from({ length: 8 }, (_, i) => ({
      time: new Date(start + i * 300_000),
      estimated: 0.78 - i * 0.002,
      ...(i % 3 === 2 ? {} : { realized: 0.8 - i * 0.01 }),
      heldOut: 0.79,
    }));
    const png = await realizedVsEstimatedPlot(points, { threshold: 0.03 });
    expect(pngSize(png)).toEqual(DEFAULT_PLOT_SIZE);
    expect(png.length).toBeGreaterThan(10_000);
    expect(await colourCount(png)).toBeGreaterThan(20);
    // A single point, ISO time, no held-out: still a chart.
    const one = await realizedVsEstimatedPlot([{ time: '2024-05-01T10:00:00Z', estimated: 0.7 }]);
    expect(pngSize(one)).toEqual(DEFAULT_PLOT_SIZE);
  });

  it('names bad points', async () => {
    await expect(realizedVsEstimatedPlot([])).rejects.toThrow(InvalidArgumentError);
    await expect(realizedVsEstimatedPlot([{ time: 'yesterday', estimated: 0.7 }])).rejects.toThrow(
      /points\[0\]\.time is not a time: "yesterday"/,
    );
    await expect(realizedVsEstimatedPlot([{ time: 0, estimated: 0.7, realized: 1.5 }])).rejects.toThrow(
      /points\[0\]\.realized must be an accuracy between 0 and 1, got 1.5/,
    );
  });
});

describe('confusionMatrixPlot', () => {
  it('draws a shaded 3 x 3 matrix with the default labels', async () => {
    const png = await confusionMatrixPlot([
      [320, 60, 5],
      [70, 280, 40],
      [3, 45, 177],
    ]);
    expect(pngSize(png)).toEqual(CONFUSION_PLOT_SIZE);
    expect(png.length).toBeGreaterThan(5_000);
    expect(await colourCount(png)).toBeGreaterThan(20);
    const empty = await confusionMatrixPlot(
      [
        [0, 0],
        [0, 0],
      ],
      ['a', 'b'],
      { size: { width: 400, height: 400 } },
    );
    expect(pngSize(empty)).toEqual({ width: 400, height: 400 });
  });

  it('refuses a matrix that does not fit the labels or holds a negative count', async () => {
    await expect(confusionMatrixPlot([[1, 2]])).rejects.toThrow(/confusion must be a 3 x 3 matrix/);
    await expect(
      confusionMatrixPlot(
        [
          [1, -2],
          [0, 1],
        ],
        ['a', 'b'],
      ),
    ).rejects.toThrow(/confusion\[0\]\[1\] must be a count >= 0, got -2/);
  });
});
