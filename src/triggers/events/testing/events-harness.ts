/**
 * A wired set of the events parts for unit tests: the real EventRules, EventBus,
 * TargetDispatcher and Scheduler over a real SQLite RuleStore, a ManualClock, and an
 * EventDelivery that records what it is handed (a real implementation of the interface,
 * standing in for the invoke path, which is not the part under test).
 */
import pino from 'pino';
import type { Partition } from '../../../core/arn.js';
import { ManualClock } from '../../../core/clock.js';
import type { RuleStore } from '../../../store/rule-store.js';
import { SqliteRuleStore } from '../../../store/sqlite/sqlite-rule-store.js';
import { Scheduler } from '../../schedule/scheduler.js';
import { TargetDispatcher, type EventDelivery } from '../delivery.js';
import { EventBus } from '../event-bus.js';
import { EventRules } from '../event-rules.js';

export const TEST_PARTITION: Partition = { region: 'us-east-1', accountId: '123456789012' };

export const lambdaArn = (name: string): string => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

/** One delivery as the recorder saw it. */
export interface Delivered {
  functionArn: string;
  /** The payload parsed as JSON. */
  payload: unknown;
}

/** An EventDelivery that keeps every delivery; `failFor` makes deliveries to one ARN reject. */
export class RecordingDelivery implements EventDelivery {
  readonly delivered: Delivered[] = [];
  failFor: string | undefined;

  async deliver(functionArn: string, payload: Buffer): Promise<void> {
    if (functionArn === this.failFor) throw new Error(`delivery to ${functionArn} failed`);
    this.delivered.push({ functionArn, payload: JSON.parse(payload.toString('utf8')) });
  }
}

export interface EventsHarness {
  clock: ManualClock;
  store: RuleStore;
  delivery: RecordingDelivery;
  rules: EventRules;
  bus: EventBus;
  dispatcher: TargetDispatcher;
  scheduler: Scheduler;
  /** Lets every dispatch started so far finish. */
  settle(): Promise<void>;
  /** Stops the scheduler (a process exit, as far as schedules go). */
  stop(): void;
}

/**
 * Builds and starts the parts, loading what `store` already holds (a restart when the
 * store is reused).
 */
export async function startEventsHarness(options: { clock?: ManualClock; store?: RuleStore } = {}): Promise<EventsHarness> {
  const clock = options.clock ?? new ManualClock();
  const store = options.store ?? SqliteRuleStore.open(':memory:');
  const log = pino({ level: 'silent' });
  const delivery = new RecordingDelivery();
  const dispatcher = new TargetDispatcher({ store, delivery, log });
  const rules = new EventRules({ store, partition: TEST_PARTITION, clock, log });
  const bus = new EventBus({ rules, dispatcher, partition: TEST_PARTITION, clock });
  const scheduler = new Scheduler({ clock, partition: TEST_PARTITION, dispatcher, rules, log });
  scheduler.start(await rules.load());
  return {
    clock,
    store,
    delivery,
    rules,
    bus,
    dispatcher,
    scheduler,
    settle: () => dispatcher.idle(),
    stop: () => scheduler.stop(),
  };
}
