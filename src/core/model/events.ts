/** Custom events as PutEvents takes them, and its answer for each. */

/** One entry of PutEvents, as given. */
export interface PutEventsEntry {
  source?: string;
  detailType?: string;
  /** A JSON object, as text. */
  detail?: string;
  resources?: string[];
  /** Epoch milliseconds; default now. */
  timeMs?: number;
  eventBusName?: string;
}

export type PutEventsResultEntry = { eventId: string } | { errorCode: string; errorMessage: string };
