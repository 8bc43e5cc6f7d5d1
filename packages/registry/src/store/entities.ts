/**
 * The stores' own shapes beside MLflow's wire entities. The entities the
 * stores return (Experiment, Run, ModelVersion, ...) are in MLflow's JSON wire
 * shape and come from `@mlops/registry-client/wire`, which the registry client
 * reads too; database rows stay private to the stores.
 */

/** A metric as a caller logs it: the value is a plain number (NaN and ±Infinity allowed). */
export interface MetricInput {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

/** One page of a search. `nextPageToken` is absent on the last page. */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}
