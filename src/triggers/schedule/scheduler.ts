/**
 * Fires scheduled rules on the injected Clock. Each enabled rule with a ScheduleExpression
 * has one timer for its next firing; a firing sends AWS's scheduled event (`time` is the
 * scheduled time, not the moment the timer ran) to the rule's targets, then arms the next.
 *
 * Restarts follow AWS: `start` computes every rule's next firing from now, so a firing that
 * happened before the restart is not repeated and one missed while Gust was down is not
 * replayed. `rate()` rules keep the grid of their anchor (creation or last enabling), so a
 * restart does not shift them.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-rule-schedule.html
 */
import type { Logger } from 'pino';
import type { Partition } from '../../core/arn.js';
import type { Clock } from '../../core/clock.js';
import type { RuleRecord } from '../../core/model/rules.js';
import { scheduledEvent } from '../events/envelope.js';
import type { RuleChange, RuleChangeListener } from '../../control/events/event-rules.js';
import { nextFire, parseScheduleExpression, type ParsedSchedule } from '../../control/events/schedule-expression.js';

/**
 * Node's timers overflow past 2^31-1 ms (about 24.8 days) and would fire at once; a far
 * firing (a yearly cron) waits in steps of at most a day, re-checking the clock each time.
 */
export const MAX_TIMER_STEP_MS = 24 * 60 * 60 * 1000;

export interface SchedulerDeps {
  clock: Clock;
  partition: Partition;
  /** Where firings go: the TargetDispatcher in production. */
  dispatcher: { dispatch(rule: RuleRecord, event: object): void };
  /** Rule changes to follow (EventRules). */
  rules: { onChange(listener: RuleChangeListener): () => void };
  log: Pick<Logger, 'info' | 'warn'>;
}

interface Armed {
  rule: RuleRecord;
  schedule: ParsedSchedule;
  /** The firing the timer waits for, epoch ms. */
  due: number;
  cancel: () => void;
}

const key = (bus: string, name: string): string => `${bus}\u0000${name}`;

/** One timer per enabled scheduled rule, on the injected clock; `start` once, `stop` at shutdown. */
export class Scheduler {
  private readonly armed = new Map<string, Armed>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: SchedulerDeps) {}

  /** Arms every enabled scheduled rule from now and follows later changes. */
  start(rules: RuleRecord[]): void {
    this.unsubscribe ??= this.deps.rules.onChange((change) => this.apply(change));
    for (const rule of rules) this.sync(rule);
  }

  /** Cancels every timer; firings already dispatched carry on. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const armed of this.armed.values()) armed.cancel();
    this.armed.clear();
  }

  /** The next firing of a rule, epoch ms, if it is armed (`GET /gust/schedules`, tests). */
  nextFiring(eventBusName: string, name: string): number | undefined {
    return this.armed.get(key(eventBusName, name))?.due;
  }

  private apply(change: RuleChange): void {
    if (change.kind === 'deleted') this.disarm(key(change.eventBusName, change.name));
    else this.sync(change.rule);
  }

  /** Arms or disarms a rule as it now stands, counting from now. */
  private sync(rule: RuleRecord): void {
    const k = key(rule.eventBusName, rule.name);
    this.disarm(k);
    if (rule.state === 'DISABLED' || !rule.scheduleExpression) return;
    let schedule: ParsedSchedule;
    try {
      schedule = parseScheduleExpression(rule.scheduleExpression);
    } catch {
      this.deps.log.warn({ rule: rule.arn, expression: rule.scheduleExpression }, 'stored schedule expression is not valid; the rule does not fire');
      return;
    }
    this.arm(k, rule, schedule, this.deps.clock.now());
  }

  private arm(k: string, rule: RuleRecord, schedule: ParsedSchedule, after: number): void {
    const due = nextFire(schedule, after, rule.scheduleAnchor);
    if (due === undefined) {
      this.deps.log.info({ rule: rule.arn }, 'schedule has no further firings');
      return;
    }
    this.wait({ rule, schedule, due, cancel: () => {} }, k);
  }

  /** Sets the timer for `armed.due`, in steps no longer than MAX_TIMER_STEP_MS. */
  private wait(armed: Armed, k: string): void {
    const delay = Math.min(Math.max(0, armed.due - this.deps.clock.now()), MAX_TIMER_STEP_MS);
    armed.cancel = this.deps.clock.setTimer(() => {
      if (this.armed.get(k) !== armed) return;
      // A timer may run early (a capped step, or a clock's jitter): wait for the rest.
      if (this.deps.clock.now() < armed.due) this.wait(armed, k);
      else this.fire(armed, k);
    }, delay);
    this.armed.set(k, armed);
  }

  private fire(armed: Armed, k: string): void {
    this.armed.delete(k);
    const { rule, schedule, due } = armed;
    this.deps.dispatcher.dispatch(rule, scheduledEvent(this.deps.partition, rule.arn, due));
    // From the later of the firing and now: a timer that ran late (a suspended host) does
    // not make up the firings it slept through, as AWS does not replay missed ones.
    this.arm(k, rule, schedule, Math.max(due, this.deps.clock.now()));
  }

  private disarm(k: string): void {
    this.armed.get(k)?.cancel();
    this.armed.delete(k);
  }
}
