/**
 * How many ready sandboxes one language runtime keeps (ready-sandboxes.ts), sized by its
 * bursts of cold starts: starts less than {@link BURST_GAP_MS} apart make one burst, and the
 * count is the largest burst seen plus one (two once the runtime was started), up to `max`,
 * so that a burst of N leaves N waiting for the next one. The starts a burst made, not the
 * ones that found no ready sandbox: refills during a long burst serve some of its starts,
 * and the next burst needs room for all of them. After each `idleMs` without a start the
 * count halves, down to one, so that a burst's sandboxes do not wait forever.
 */
export const BURST_GAP_MS = 2_000;

export class DemandTarget {
  private count = 1;
  private burst = 0;
  private lastStart = -Infinity;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly max: number,
    /** Told the new, lower count after a halving; the waiting sandboxes beyond it are to go. */
    private readonly onShrink: (count: number) => void,
    private readonly idleMs: number,
  ) {}

  get value(): number {
    return this.count;
  }

  /** Whether the last start followed another within {@link BURST_GAP_MS}, and was itself less than that ago. */
  following(now = Date.now()): boolean {
    return this.burst >= 2 && now - this.lastStart < BURST_GAP_MS;
  }

  /** A cold start of the runtime, given a ready sandbox or not. */
  started(now = Date.now()): void {
    this.burst = now - this.lastStart < BURST_GAP_MS ? this.burst + 1 : 1;
    this.lastStart = now;
    this.count = Math.min(this.max, Math.max(this.count, this.burst + 1));
    this.stop();
    if (this.count > 1) this.scheduleHalving();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private scheduleHalving(): void {
    this.timer = setTimeout(() => {
      this.count = Math.max(1, Math.floor(this.count / 2));
      this.timer = undefined;
      if (this.count > 1) this.scheduleHalving();
      this.onShrink(this.count);
    }, this.idleMs);
    this.timer.unref();
  }
}
