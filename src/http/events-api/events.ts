/**
 * The event operations of the EventBridge API: PutEvents and TestEventPattern.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 */
import type { PutEventsEntry } from '../../core/model/events.js';
import type { Operation } from './backend.js';
import { defined, optionalList, optionalString, optionalTimestamp, requiredList, requiredString, stringItem, structure } from './fields.js';

function readEntry(value: unknown): PutEventsEntry {
  const e = structure(value, 'Entries');
  return defined({
    source: optionalString(e, 'Source'),
    detailType: optionalString(e, 'DetailType'),
    detail: optionalString(e, 'Detail'),
    resources: optionalList(e, 'Resources', stringItem('Resources')),
    timeMs: optionalTimestamp(e, 'Time'),
    eventBusName: optionalString(e, 'EventBusName'),
  });
}

const putEvents: Operation = async (backend, body) => {
  const result = backend.bus.putEvents(requiredList(body, 'Entries', readEntry));
  return {
    FailedEntryCount: result.failedEntryCount,
    Entries: result.entries.map((r) => ('eventId' in r ? { EventId: r.eventId } : { ErrorCode: r.errorCode, ErrorMessage: r.errorMessage })),
  };
};

const testEventPattern: Operation = async (backend, body) => ({
  Result: backend.bus.testEventPattern(requiredString(body, 'EventPattern'), requiredString(body, 'Event')),
});

export const EVENT_OPERATIONS: Record<string, Operation> = {
  PutEvents: putEvents,
  TestEventPattern: testEventPattern,
};
