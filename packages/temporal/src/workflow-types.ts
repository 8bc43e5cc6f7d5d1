/**
 * Inputs and results of the Temporal workflows. Both workers and the CLI use
 * them; workflow code imports them type-only, so nothing here may need Node.
 */

/** Why a training run was started, recorded on the workflow and in the runs. */
export interface TrainingTrigger {
  /**
   * `drift` (enough drift alerts), `performance` (realized accuracy dropped on feedback), `manual` or
   * `bootstrap` (first model of a new stack).
   */
  reason: 'drift' | 'performance' | 'manual' | 'bootstrap';
  /** Names of the drift checks over threshold, when reason is `drift`. */
  alerts?: { name: string; value: number; threshold: number }[];
  /** Registry run id of the monitoring check that fired, when reason is `drift`. */
  monitoringRunId?: string;
}

export interface TrainingInput {
  trigger: TrainingTrigger;
  /** Number of trees; default TRAIN_TREES. */
  trees?: number;
  /** Training seed; default TRAIN_SEED. */
  seed?: number;
  /** Raw CSV to train on; default: every CSV under <DATA_DIR>/raw/. */
  dataPath?: string;
  /** Heartbeat timeout of the training activity (a lost worker is noticed after it). Default '30s'. */
  heartbeatTimeout?: string;
  /** Interval between activity retries. Default '5s' (the old flow's policy: 2 retries, 5 s apart). */
  retryInterval?: string;
}

/** What the preprocessing activity produced, by file path (payloads stay small). */
export interface PreprocessResult {
  /** Folder holding the split, the fitted pipeline and the reference snapshot. */
  processedDir: string;
  referencePath: string;
  nTrain: number;
  nTest: number;
  nBadRows: number;
  dataFingerprint: string;
}

export interface TrainResult {
  bundlePath: string;
  metrics: Record<string, number>;
  baselineMetrics: Record<string, number>;
  fitSeconds: number;
  /** Trees that were restored from a checkpoint instead of grown (non-zero after a retry). */
  resumedTrees: number;
}

export interface RegisterResult {
  experimentId: string;
  runId: string;
  modelName: string;
  version: string;
}

export interface PromotionDecision {
  promoted: boolean;
  /** Macro-F1 of the new version on the held-out test split. */
  candidateMacroF1: number;
  /** Macro-F1 of the production version on the same split; null when there was none. */
  productionMacroF1: number | null;
  productionVersion: string | null;
  tolerance: number;
  reason: string;
}

export interface TrainingResult {
  runId: string;
  modelName: string;
  version: string;
  metrics: Record<string, number>;
  decision: PromotionDecision;
  resumedTrees: number;
}

export interface MonitoringInput {
  /** Force a check now even if the window is small (still no alerts under DRIFT_MIN_SAMPLES). */
  manual?: boolean;
  /** Options passed to the training run it may start. */
  training?: Omit<TrainingInput, 'trigger'>;
}

export interface DriftAlertSummary {
  name: string;
  value: number;
  threshold: number;
}

export interface DriftCheckSummary {
  /** Registry run id of the monitoring run that recorded this check. */
  runId: string | null;
  windowSize: number;
  status: 'ok' | 'drift' | 'insufficient-data' | 'no-model';
  alerts: DriftAlertSummary[];
  metrics: Record<string, number>;
  modelVersion: string | null;
}

export interface MonitoringResult {
  check: DriftCheckSummary;
  /** What happened about retraining. */
  training: 'not-needed' | 'started' | 'already-running';
  trainingWorkflowId?: string;
}
