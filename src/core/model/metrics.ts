/** What Gust's own metrics routes answer, shared by the server that writes them and the CLI that reads them. */

/** One row of `GET /gust/metrics/summary`: the last 60 s of a function. */
export interface SummaryRow {
  function: string;
  invocations: number;
  errors: number;
  throttles: number;
  p50: number | null;
  p99: number | null;
  /** Invocations running when asked. */
  concurrency: number;
}
