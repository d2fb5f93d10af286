/**
 * The event bus: PutEvents (custom events matched against the rules and sent to their
 * targets) and TestEventPattern.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 */
import type { Partition } from '../../core/arn.js';
import type { Clock } from '../../core/clock.js';
import { validationError, ValidationException } from '../../core/errors.js';
import type { PutEventsEntry, PutEventsResultEntry } from '../../core/model/events.js';
import type { EventRules } from '../../control/events/event-rules.js';
import { compilePattern } from '../../control/events/pattern.js';
import { DEFAULT_BUS, resolveBus } from '../../control/events/validation.js';
import type { TargetDispatcher } from './delivery.js';
import { customEvent, type EventEnvelope } from './envelope.js';

/** AWS's quota on one PutEvents request, all entries together. */
const MAX_REQUEST_BYTES = 256 * 1024;

/** The fields an event must have for TestEventPattern. */
const ENVELOPE_FIELDS = ['id', 'account', 'source', 'time', 'region', 'resources', 'detail-type'] as const;

export interface EventBusDeps {
  rules: EventRules;
  dispatcher: TargetDispatcher;
  partition: Partition;
  clock: Clock;
}

/** Why an entry is refused, as AWS's per-entry ErrorCode and ErrorMessage, or its parsed Detail. */
function checkEntry(entry: PutEventsEntry): { errorCode: string; errorMessage: string } | { detail: Record<string, unknown> } {
  const required = (name: string): { errorCode: string; errorMessage: string } => ({
    errorCode: 'InvalidArgument',
    errorMessage: `Parameter ${name} is not valid. Reason: ${name} is a required argument.`,
  });
  if (!entry.source) return required('Source');
  if (!entry.detailType) return required('DetailType');
  if (!entry.detail) return required('Detail');
  // Sources under aws. belong to AWS services; accounts cannot send as them.
  if (entry.source.startsWith('aws.')) return { errorCode: 'NotAuthorizedForSourceException', errorMessage: 'Not authorized for the source.' };
  let detail: unknown;
  try {
    detail = JSON.parse(entry.detail);
  } catch {
    return { errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' };
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return { errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' };
  return { detail: detail as Record<string, unknown> };
}

/** The size AWS counts for an entry: its strings in UTF-8 plus 14 bytes for a Time. */
function entrySize(e: PutEventsEntry): number {
  const bytes = (s: string | undefined): number => (s === undefined ? 0 : Buffer.byteLength(s, 'utf8'));
  return (e.timeMs === undefined ? 0 : 14) + bytes(e.source) + bytes(e.detailType) + bytes(e.detail) + (e.resources ?? []).reduce((n, r) => n + bytes(r), 0);
}

/** Gust's one event bus (`default`): accepts events and hands each to the rules that match it. */
export class EventBus {
  constructor(private readonly deps: EventBusDeps) {}

  /**
   * Accepts up to ten events: each valid one gets an EventId and goes to the targets of
   * every enabled rule whose pattern matches it; each invalid one gets an error entry.
   * Delivery happens after the answer, as on AWS.
   */
  putEvents(entries: PutEventsEntry[]): { entries: PutEventsResultEntry[]; failedEntryCount: number } {
    if (entries.length < 1 || entries.length > 10) {
      throw validationError(undefined, 'entries', 'Member must have length between 1 and 10');
    }
    if (entries.reduce((n, e) => n + entrySize(e), 0) > MAX_REQUEST_BYTES) {
      throw new ValidationException('Total size of the entries in the request is over the limit.');
    }
    const results = entries.map((entry) => this.putOne(entry));
    return { entries: results, failedEntryCount: results.filter((r) => 'errorCode' in r).length };
  }

  /** Whether an event (a full envelope, as JSON text) matches a pattern. */
  testEventPattern(eventPattern: string, event: string): boolean {
    const pattern = compilePattern(eventPattern);
    let parsed: unknown;
    try {
      parsed = JSON.parse(event);
    } catch {
      throw new ValidationException('Parameter Event is not valid.');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ValidationException('Parameter Event is not valid.');
    const missing = ENVELOPE_FIELDS.find((f) => !Object.hasOwn(parsed as object, f));
    if (missing) throw new ValidationException(`Parameter Event is not valid. Reason: Provided Event is missing required field: ${missing}`);
    return pattern.matches(parsed);
  }

  /**
   * Puts an event an AWS service raises (S3's, with `source: aws.s3`) on the default bus,
   * resolving once every matching rule's targets have accepted it.
   */
  async publish(event: EventEnvelope): Promise<void> {
    await Promise.all(this.deps.rules.matching(DEFAULT_BUS, event).map((rule) => this.deps.dispatcher.deliver(rule, event)));
  }

  private putOne(entry: PutEventsEntry): PutEventsResultEntry {
    const checked = checkEntry(entry);
    if ('errorCode' in checked) return checked;
    let bus: string;
    try {
      bus = resolveBus(this.deps.partition, entry.eventBusName);
    } catch {
      // AWS accepts events sent to a bus that does not exist (they reach no rule).
      bus = `missing:${entry.eventBusName ?? DEFAULT_BUS}`;
    }
    const event = customEvent(this.deps.partition, {
      source: entry.source!,
      detailType: entry.detailType!,
      detail: checked.detail,
      resources: entry.resources ?? [],
      timeMs: entry.timeMs ?? this.deps.clock.now(),
    });
    for (const rule of this.deps.rules.matching(bus, event)) this.deps.dispatcher.dispatch(rule, event);
    return { eventId: event.id };
  }
}
