/**
 * `@mlops/temporal/client`: what a Temporal client (not a workflow) does with
 * the stack's workflows. Node-side: it imports `@temporalio/client`, so
 * workflow code must not import it.
 */
export {
  startTrainingPipeline,
  type TrainingPipeline,
  type TrainingPipelineStart,
  type TrainingPipelineStartOptions,
} from './training-start.js';
