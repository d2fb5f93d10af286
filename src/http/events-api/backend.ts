/**
 * What the EventBridge API calls, declared here by its consumer: the operations of
 * control/'s EventRules, and triggers' EventBus and Scheduler (http/ may not import
 * triggers/, so their shapes are written out; the composition root hands in the real ones).
 * Inside: camelCase; AWS's names exist only in the operation modules that read requests
 * and write answers.
 */
import type { PutEventsEntry, PutEventsResultEntry } from '../../core/model/events.js';
import type { EventRules } from '../../control/events/event-rules.js';

export interface EventsBackend {
  rules: Pick<
    EventRules,
    'putRule' | 'describeRule' | 'listRules' | 'listAllRules' | 'enableRule' | 'disableRule' | 'deleteRule' | 'putTargets' | 'removeTargets' | 'listTargetsByRule'
  >;
  /** The event bus (EventBus). */
  bus: {
    putEvents(entries: PutEventsEntry[]): { entries: PutEventsResultEntry[]; failedEntryCount: number };
    testEventPattern(eventPattern: string, event: string): boolean;
  };
  /** The Scheduler: when an enabled scheduled rule fires next, epoch ms. */
  schedules: {
    nextFiring(eventBusName: string, name: string): number | undefined;
  };
}

/** One operation: reads its request body, calls the backend, returns the answer body. */
export type Operation = (backend: EventsBackend, body: Record<string, unknown>) => Promise<Record<string, unknown>>;
