import type {
  PreprocessResult,
  PromotionDecision,
  RegisterResult,
  TrainingInput,
  TrainResult,
} from '@mlops/core/workflow-types';

/** The training workflow's activities; createActivities() builds the real ones. */
export interface TrainingActivities {
  preprocess(input: TrainingInput): Promise<PreprocessResult>;
  train(input: TrainingInput, prepared: PreprocessResult): Promise<TrainResult>;
  register(input: TrainingInput, prepared: PreprocessResult, trained: TrainResult): Promise<RegisterResult>;
  promote(
    prepared: PreprocessResult,
    trained: TrainResult,
    registered: RegisterResult,
  ): Promise<PromotionDecision>;
}
