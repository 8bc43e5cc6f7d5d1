/**
 * `@mlops/plots`: the drift check's and the performance check's charts as PNG (chart.js drawn on
 * @napi-rs/canvas). A package of its own so that only the services that draw
 * (the monitor, and the CLI through it) carry the canvas library.
 */
export {
  DEFAULT_PLOT_SIZE,
  HISTORY_PLOT_SIZE,
  ensurePlotFont,
  plotAddressCardinality,
  plotCategoryDistribution,
  plotDriftHistory,
  plotPredictionDistribution,
  type CardinalityPlotOptions,
  type CategoryPlotOptions,
  type HistoryPlotOptions,
  type PlotSize,
  type PredictionPlotOptions,
} from './drift-plots.js';
export {
  CONFUSION_PLOT_SIZE,
  confusionMatrixPlot,
  realizedVsEstimatedPlot,
  type AccuracyPlotOptions,
  type AccuracyPoint,
  type ConfusionPlotOptions,
} from './performance-plots.js';
