/**
 * A wired set of the events parts for unit tests: the real EventRules, EventBus,
 * TargetDispatcher and Scheduler over a real SQLite RuleStore, a ManualClock, and an
 * EventDelivery that records what it is handed (a real implementation of the interface,
 * standing in for the invoke path, which is not the part under test).
 */
import pino from 'pino';
import { afterEach } from 'vitest';
import type { Partition } from '../../src/core/arn.js';
import { ManualClock } from '../../src/core/clock.js';
import { EventRules } from '../../src/control/events/event-rules.js';
import type { RuleStore } from '../../src/store/rule-store.js';
import { SqliteRuleStore } from '../../src/store/sqlite/sqlite-rule-store.js';
import { TargetDispatcher, type EventDelivery } from '../../src/triggers/events/delivery.js';
import { EventBus } from '../../src/triggers/events/event-bus.js';
import { Scheduler } from '../../src/triggers/schedule/scheduler.js';

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

export interface EventsHarnessOptions {
  clock?: ManualClock;
  /** A store to reuse (a restart); default a fresh in-memory one. */
  store?: RuleStore;
}

/**
 * Builds and starts the parts, loading what `store` already holds (a restart when the
 * store is reused).
 */
export async function startEventsHarness(options: EventsHarnessOptions = {}): Promise<EventsHarness> {
  const clock = options.clock ?? new ManualClock();
  const store = options.store ?? SqliteRuleStore.open(':memory:');
  const log = pino({ level: 'silent' });
  const delivery = new RecordingDelivery();
  const rules = new EventRules({ store, partition: TEST_PARTITION, clock, log });
  const dispatcher = new TargetDispatcher({ targets: rules, delivery, log });
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

/**
 * For one test file: a function that starts a harness (with `defaults()` under the options
 * it is given), each stopped and its store closed after the test that started it.
 */
export function eventsHarnesses(defaults: () => EventsHarnessOptions = () => ({})): (options?: EventsHarnessOptions) => Promise<EventsHarness> {
  const open: EventsHarness[] = [];
  afterEach(async () => {
    for (const h of open.splice(0)) {
      h.stop();
      await h.settle();
      await h.store.close();
    }
  });
  return async (options = {}) => {
    const h = await startEventsHarness({ ...defaults(), ...options });
    open.push(h);
    return h;
  };
}

/** Puts a rule with an event pattern and one target, the function `fn` (default: the rule's name). */
export async function patternRule(h: EventsHarness, name: string, pattern: unknown, fn = name): Promise<void> {
  await h.rules.putRule({ name, eventPattern: JSON.stringify(pattern) });
  await h.rules.putTargets(name, undefined, [{ id: 'target', arn: lambdaArn(fn) }]);
}
