/**
 * Handing events to the targets of a rule. Triggers declare what they need as
 * `EventDelivery`; the composition root implements it with an asynchronous (`Event`)
 * invoke for Lambda targets and a SendMessage for SQS targets (queue-delivery.ts).
 * Dispatching never blocks its caller: PutEvents answers once the event is accepted, and a
 * schedule keeps time, as on AWS, where delivery is asynchronous too.
 */
import type { Logger } from 'pino';
import { LambdaError } from '../../core/errors.js';
import type { RuleRecord, TargetRecord } from '../../core/model/rules.js';
import { targetPayload } from '../../control/events/target-input.js';

/** Where events go as triggers see it: hand `payload` to a target (a Lambda function, an SQS queue). */
export interface EventDelivery {
  /**
   * Resolves once the target has accepted the event (queued), not when a function has run.
   * `ruleArn` is the rule it comes from: a function's resource policy must allow it.
   */
  deliver(targetArn: string, payload: Buffer, ruleArn: string): Promise<void>;
}

/** What the dispatcher logs: the two levels of pino's Logger it uses. */
export type DispatchLog = Pick<Logger, 'warn' | 'error'>;

/** Where the dispatcher reads a rule's targets: EventRules. */
export interface RuleTargets {
  /** The rule's targets as they stand now, every one. */
  targetsOf(rule: RuleRecord): Promise<TargetRecord[]>;
}

/** Sends events to the current targets of rules, and tracks deliveries still in flight. */
export class TargetDispatcher {
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly deps: { targets: RuleTargets; delivery: EventDelivery; log: DispatchLog },
  ) {}

  /**
   * Sends `event` to each target of `rule` as it stands now (targets are read at dispatch
   * time, so a target removed a moment ago receives nothing). Failures are logged; they
   * never reach the caller, which has already answered.
   */
  dispatch(rule: RuleRecord, event: object): void {
    this.track(this.send(rule, event, false));
  }

  /**
   * Sends `event` to each target of `rule` and resolves once every target has accepted it;
   * rejects when one could not take it for a reason that may pass (a target that no longer
   * exists, or whose policy refuses the rule, drops the event). For senders that must not lose an event and retry
   * it: S3's, from its outbox.
   */
  deliver(rule: RuleRecord, event: object): Promise<void> {
    const work = this.send(rule, event, true);
    this.track(work.catch(() => undefined));
    return work;
  }

  /**
   * Stops handing events over (they are logged and dropped), so that shutting down can stop
   * the functions without a late delivery starting one again.
   */
  close(): void {
    this.closed = true;
  }

  /** Resolves when every dispatch started so far has settled (for shutdown and tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((err: unknown) => this.deps.log.error({ err }, 'event dispatch failed')).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private async send(rule: RuleRecord, event: object, strict: boolean): Promise<void> {
    const targets = await this.deps.targets.targetsOf(rule);
    await Promise.all(
      targets.map(async (target) => {
        const payload = targetPayload(target, event);
        if (this.closed) {
          // A strict sender keeps the event and sends it again after the restart.
          if (strict) throw new Error('shutting down; the event stays with its sender');
          this.deps.log.warn({ rule: rule.arn, target: target.id }, 'shutting down; event not delivered');
          return;
        }
        if (payload === undefined) {
          this.deps.log.warn({ rule: rule.arn, target: target.id, inputPath: target.inputPath }, 'InputPath selects nothing in this event; target not invoked');
          return;
        }
        try {
          await this.deps.delivery.deliver(target.arn, payload, rule.arn);
        } catch (err) {
          this.deps.log.warn({ err, rule: rule.arn, target: target.id, function: target.arn }, 'event delivery to target failed');
          // A target gone or refusing the rule (its policy) refuses every retry alike.
          if (strict && !(err instanceof LambdaError && (err.status === 404 || err.status === 403))) throw err;
        }
      }),
    );
  }
}
