/** The workflow run an activity works for: it names folders and tags registry runs. */
export interface WorkflowRun {
  workflowId: string;
  runId: string;
}

/** `<workflowId>-<runId>`: one folder per run, so that a retry reuses it and runs never mix. */
export function workflowRunKey(run: WorkflowRun): string {
  return `${run.workflowId}-${run.runId}`;
}
