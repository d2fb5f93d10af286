/**
 * How many batches a mapping processes at once, as Lambda scales SQS pollers: five to
 * start with; while messages remain after a batch is taken, up to five more each second
 * (300 a minute); back down to five as pollers find the queue empty; never more than the
 * cap (ScalingConfig.MaximumConcurrency, the function's reserved concurrency, 1,000).
 * Decisions only: the poller acts on them. All times on the injected clock.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html
 */
import type { Clock } from '../../core/clock.js';

const BASE_POLLERS = 5;
const SCALE_STEP = 5;
const SCALE_INTERVAL_MS = 1_000;
/** The most batches any mapping processes at once. */
export const MAX_POLLERS = 1_000;
const HISTORY = 200;

export class Scaling {
  /** The poller counts the mapping went through, oldest first (the last 200). */
  readonly history: number[] = [];
  private lastStepAt = -Infinity;

  constructor(
    private cap: number,
    private readonly clock: Clock,
  ) {}

  /** The pollers a mapping keeps while idle. */
  base(): number {
    return Math.min(BASE_POLLERS, this.cap);
  }

  setCap(cap: number): void {
    this.cap = cap;
  }

  /** A batch found more messages waiting: how many pollers to add now (0 inside a step's second, or at the cap). */
  grow(active: number): number {
    const now = this.clock.now();
    if (active >= this.cap || now - this.lastStepAt < SCALE_INTERVAL_MS) return 0;
    this.lastStepAt = now;
    return Math.min(SCALE_STEP, this.cap - active);
  }

  /** Whether a poller that found nothing to take (or is over a lowered cap) should stop. */
  shouldRetire(active: number, idle: boolean): boolean {
    return active > this.cap || (idle && active > this.base());
  }

  record(active: number): void {
    if (this.history.at(-1) === active) return;
    this.history.push(active);
    if (this.history.length > HISTORY) this.history.shift();
  }
}
