import type { DriftCheckSummary, MonitoringInput } from '@mlops/core/workflow-types';

/** The monitoring workflow's activities; createActivities() builds the real ones. */
export interface MonitoringActivities {
  /** Runs one drift check over the production window and records it as a run of the `monitoring` experiment. */
  checkDrift(input: MonitoringInput): Promise<DriftCheckSummary>;
  /** Tags the monitoring run with what the check led to (training started, already running, not needed). */
  recordOutcome(runId: string, outcome: { training: string; trainingWorkflowId?: string }): Promise<void>;
}
