/**
 * The in-memory history behind the console's charts and `gust top`: a FunctionHistory per
 * function of each account, fed by every run the invoke path reports. It keeps at most
 * `maxFunctions` of them (about 25 KB each); runs of functions past that are left out of
 * the history (Prometheus still counts them), so a flood of function names cannot grow
 * memory without bound.
 */
import { FunctionHistory, type MinutePoint } from './function-history.js';
import type { SummaryRow } from '../core/model/metrics.js';

/** `GET /gust/metrics/history`'s answer. */
export interface HistoryAnswer {
  function: string;
  minutes: MinutePoint[];
}

export const DEFAULT_HISTORY_FUNCTIONS = 2000;

export class MetricsHistory {
  private readonly accounts = new Map<string, Map<string, FunctionHistory>>();
  private tracked = 0;

  constructor(private readonly maxFunctions = DEFAULT_HISTORY_FUNCTIONS) {}

  /** The history of a function, made on its first run while there is room; undefined past the cap. */
  of(accountId: string, functionName: string): FunctionHistory | undefined {
    let functions = this.accounts.get(accountId);
    const found = functions?.get(functionName);
    if (found || this.tracked >= this.maxFunctions) return found;
    if (!functions) {
      functions = new Map();
      this.accounts.set(accountId, functions);
    }
    const made = new FunctionHistory();
    functions.set(functionName, made);
    this.tracked++;
    return made;
  }

  forget(accountId: string, functionName: string): void {
    const functions = this.accounts.get(accountId);
    if (!functions?.delete(functionName)) return;
    this.tracked--;
    if (functions.size === 0) this.accounts.delete(accountId);
  }

  history(accountId: string, functionName: string, now: number): HistoryAnswer {
    const h = this.accounts.get(accountId)?.get(functionName) ?? new FunctionHistory();
    return { function: functionName, minutes: h.lastHour(now) };
  }

  /**
   * The account's functions that ran, were refused or are running in the last 60 s, busiest
   * first; `running` says how many invocations of a function run now.
   */
  summary(accountId: string, now: number, running: (functionName: string) => number): SummaryRow[] {
    const rows: SummaryRow[] = [];
    for (const [name, h] of this.accounts.get(accountId) ?? []) {
      const concurrency = running(name);
      if (h.lastAt <= now - 60_000 && concurrency === 0) continue;
      rows.push({ function: name, ...h.recent(now), concurrency });
    }
    return rows.sort((a, b) => b.invocations - a.invocations || (a.function < b.function ? -1 : 1));
  }
}
