/**
 * Realistic registry content for the UI test and screenshots: training runs
 * with params, metric histories and artifacts (plot, Markdown and HTML
 * reports), a registered model with aliases, monitoring checks with drift
 * plots, and a run whose name and params are HTML/script injection attempts.
 */
import type { RegistryClient } from '@mlops/registry-client';
import { barChartPng } from './png-image.js';

export const XSS_RUN_NAME = '<img src=x onerror="window.__xss=1">';
export const XSS_PARAM = '<script>window.__xss=2</script>';

export interface SeededRegistry {
  trainingExperimentId: string;
  runIds: string[];
  xssRunId: string;
}

export async function seedRegistry(client: RegistryClient): Promise<SeededRegistry> {
  const training = await client.getOrCreateExperiment('housing-price-classification');
  const runIds: string[] = [];
  const base = Date.UTC(2026, 10, 20, 9, 0, 0);
  for (let i = 0; i < 5; i += 1) {
    const run = await client.createRun({
      experimentId: training.experimentId,
      runName: `train-2026-11-2${i}`,
      startTime: base + i * 86_400_000,
      tags: { trigger: i === 3 ? 'drift' : 'schedule', dataset: `listings-${2000 + i * 250}` },
    });
    const runId = run.info.runId;
    runIds.push(runId);
    await client.logParams(runId, {
      trees: 50 + i * 25,
      max_depth: 8 + i,
      min_samples_leaf: 2,
      seed: 42,
      features: 'area,rooms,age,district',
    });
    const final = 0.72 + i * 0.035;
    for (let step = 0; step < 10; step += 1) {
      const progress = (step + 1) / 10;
      await client.logMetrics(
        runId,
        {
          macro_f1: final - 0.2 * (1 - progress) ** 2,
          accuracy: final + 0.03 - 0.18 * (1 - progress) ** 2,
          oob_error: 0.4 - (0.4 - (1 - final)) * progress,
        },
        { step: step * 10 + 10, timestamp: base + i * 86_400_000 + step * 1000 },
      );
    }
    await client.logMetrics(
      runId,
      { baseline_macro_f1: 0.41, train_rows: 1600 + i * 200 },
      { timestamp: base + i * 86_400_000 },
    );
    await client.uploadArtifact(
      runId,
      'plots/confusion_matrix.png',
      barChartPng([0.9, 0.15, 0.05, 0.1, 0.8, 0.12, 0.04, 0.2, 0.85]),
    );
    await client.uploadArtifact(
      runId,
      'plots/feature_importance.png',
      barChartPng([0.95, 0.6, 0.35, 0.2], 480, 240, [217, 72, 15]),
    );
    await client.uploadArtifact(
      runId,
      'report.md',
      `# Training report\n\nModel **random forest** with ${50 + i * 25} trees.\n\n| class | precision | recall |\n|---|---|---|\n| low | 0.81 | 0.84 |\n| medium | 0.70 | 0.66 |\n| high | 0.83 | 0.85 |\n\n- macro F1: \`${final.toFixed(3)}\`\n- baseline macro F1: \`0.410\`\n`,
    );
    await client.uploadArtifact(
      runId,
      'report.html',
      '<html><body style="font-family:sans-serif"><h1>Evaluation</h1><p>Confusion matrix and per-class scores.</p><script>parent.window.__xss = 3;</script></body></html>',
    );
    await client.uploadArtifact(
      runId,
      'model/model.bundle.json',
      JSON.stringify({ kind: 'housing-forest', version: 1, trees: 50 + i * 25 }),
    );
    // The newest run is still training; the others took 6 to 14 minutes.
    if (i < 4)
      await client.updateRun(runId, {
        status: 'FINISHED',
        endTime: base + i * 86_400_000 + (6 + 2 * i) * 60_000,
      });
  }

  const xss = await client.createRun({
    experimentId: training.experimentId,
    runName: XSS_RUN_NAME,
    startTime: base - 86_400_000,
  });
  await client.logParams(xss.info.runId, { note: XSS_PARAM });
  await client.setTag(xss.info.runId, 'comment', '<b onmouseover=alert(1)>bold?</b>');
  await client.updateRun(xss.info.runId, { status: 'FAILED', endTime: base - 86_400_000 + 42_000 });

  await client.createRegisteredModel('HousingPriceClassifier', {
    description: 'Price category (low/medium/high) of Istanbul listings',
  });
  for (const runId of runIds.slice(1, 4)) {
    await client.createModelVersion(
      'HousingPriceClassifier',
      `mlflow-artifacts:/${training.experimentId}/${runId}/artifacts/model`,
      runId,
    );
  }
  await client.setAlias('HousingPriceClassifier', 'production', '1');
  await client.setAlias('HousingPriceClassifier', 'staging', '3');

  const monitoring = await client.getOrCreateExperiment('monitoring');
  for (let i = 0; i < 8; i += 1) {
    const run = await client.createRun({
      experimentId: monitoring.experimentId,
      runName: `drift-check-${i + 1}`,
      startTime: base + 4 * 86_400_000 + i * 3_600_000,
    });
    const drift = i < 5 ? 0.04 + i * 0.01 : 0.12 + (i - 5) * 0.11;
    await client.logMetrics(
      run.info.runId,
      {
        'psi.area': drift,
        'psi.rooms': drift * 0.6,
        'psi.district': drift * 1.4,
        'cardinality.address': 1 + drift,
        prediction_drift: drift * 0.5,
        alerts: i >= 6 ? 2 : i === 5 ? 1 : 0,
        samples: 400 + i * 50,
        'performance.realized_accuracy': 0.84 - (i >= 6 ? 0.2 : 0),
        'performance.estimated_accuracy': 0.83 - (i >= 6 ? 0.05 : 0),
        'labels.coverage': 0.3,
      },
      { timestamp: base + i * 3_600_000 },
    );
    await client.setTags(run.info.runId, {
      'drift.status': i >= 6 ? 'drift' : 'ok',
      'drift.headline': i >= 6 ? '2 alerts: psi.district 0.48 > 0.25, psi.area 0.34 > 0.25' : 'no drift',
      model_version: '1',
    });
    if (i === 7) {
      await client.uploadArtifact(
        run.info.runId,
        'plots/psi_by_feature.png',
        barChartPng([0.33, 0.2, 0.46], 480, 240, [180, 35, 47]),
      );
      await client.uploadArtifact(
        run.info.runId,
        'plots/prediction_distribution.png',
        barChartPng([0.3, 0.45, 0.25]),
      );
      await client.uploadArtifact(
        run.info.runId,
        'plots/performance-accuracy.png',
        barChartPng([0.84, 0.64]),
      );
      await client.uploadArtifact(run.info.runId, 'plots/confusion-matrix.png', barChartPng([0.5, 0.3, 0.2]));
    }
    await client.updateRun(run.info.runId, {
      status: 'FINISHED',
      endTime: base + 4 * 86_400_000 + i * 3_600_000 + 3_000,
    });
  }
  return { trainingExperimentId: training.experimentId, runIds, xssRunId: xss.info.runId };
}
