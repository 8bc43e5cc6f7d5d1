import type { Database } from 'better-sqlite3';

/** What to aggregate over a range of production-log ids; built by production-window.ts. */
export interface AggregatePlan {
  /**
   * Statement over ids @lo..@hi returning, in order: COUNT(*), MIN(ts), MAX(ts),
   * non-missing address count, one count per prediction class, one
   * json_group_array per text field, one binned group_concat per numeric field.
   */
  aggregateSql: string;
  /**
   * Statement returning the non-missing addresses of the sampled ids @start,
   * @start + @every, ... up to @hi; null = no sample.
   */
  addressSql: string | null;
  /**
   * Named parameters of both statements except lo, hi and start; `first` (the
   * window's first id) and `every` (the sampling step) fix which ids are sampled.
   */
  params: Record<string, number | string> & { first: number; every: number };
  /** Ids aggregated per statement run (bounds the size of the returned strings). */
  chunkRows: number;
  predictionClasses: number;
  textFields: string[];
  /** Number of bins of each numeric field, in statement order. */
  numericBins: number[];
}

/** Counts of one range of ids. */
export interface WindowPartial {
  rows: number;
  firstTs: number | null;
  lastTs: number | null;
  addressNonMissing: number;
  predictions: number[];
  text: { counts: Map<string, number>; missing: number }[];
  numeric: { counts: number[]; missing: number }[];
  /** Counts of the sampled addresses. */
  addresses: Map<string, number>;
}

export const MISSING_CHAR: number;
export const BIN_CHAR_BASE: number;
export function aggregateIdRange(db: Database, plan: AggregatePlan, lo: number, hi: number): WindowPartial;
export function mergeWindowPartials(a: WindowPartial, b: WindowPartial): WindowPartial;
