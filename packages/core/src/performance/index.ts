/**
 * Model performance: realized scores from feedback, probability calibration,
 * estimated scores without labels (CBPE), the profile made at training and the
 * per-window evaluation the monitor runs.
 */
export { type RealizedPerformance, realizedPerformance, scoresOfConfusion } from './realized.js';
export {
  TEMPERATURE_FLOOR,
  ISOTONIC_FLOOR,
  CALIBRATION_METHODS,
  type CalibrationMethod,
  calibrationSchema,
  type Calibration,
  type IsotonicMap,
  calibrateProbabilities,
  temperatureScaled,
  fitIsotonicMap,
  fitTemperature,
  fitCalibrationMethod,
} from './calibration.js';
export {
  ECE_BINS,
  expectedCalibrationError,
  meanLogLoss,
  servedCalibrationError,
} from './calibration-error.js';
export {
  MIN_CALIBRATION_ROWS,
  type CalibrationFit,
  fitCalibration,
  fitCalibrationWithErrors,
} from './calibration-fit.js';
export { type EstimatedPerformance, estimatePerformance } from './estimate.js';
export {
  modelPerformanceProfileSchema,
  type ModelPerformanceProfile,
  buildPerformanceProfile,
  probabilityRows,
} from './profile.js';
export {
  type PerformanceThresholds,
  DEFAULT_PERFORMANCE_THRESHOLDS,
  performanceThresholdsFromConfig,
  PERFORMANCE_ALERT_KINDS,
  type PerformanceAlertKind,
  type PerformanceCheck,
  type PerformanceWindowInput,
  type PerformanceWindowEvaluation,
  evaluatePerformanceWindow,
} from './window.js';
export { profileModel, profileMetrics } from './model-profile.js';
