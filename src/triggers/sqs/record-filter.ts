/**
 * A mapping's FilterCriteria on SQS records, with the EventBridge pattern engine, as
 * Lambda filters: each record on its own, against the record with its body parsed when the
 * body is JSON (a plain-text body stays a string, so `{"body": ["text"]}` can match it and
 * `{"body": {"field": …}}` cannot). A record matches when any pattern matches; records that
 * match none never reach the function, and Lambda deletes them from the queue.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
 */
import { compilePattern, type EventPattern } from '../../control/events/pattern.js';
import type { SqsRecord } from './sqs-event.js';

export type RecordFilter = (record: SqsRecord) => boolean;

/** Compiles a mapping's patterns; no patterns lets every record through. */
export function recordFilter(patterns: readonly string[] | undefined): RecordFilter {
  if (!patterns || patterns.length === 0) return () => true;
  const compiled: EventPattern[] = patterns.map(compilePattern);
  return (record) => {
    let body: unknown = record.body;
    try {
      body = JSON.parse(record.body);
    } catch {
      // Not JSON: matched as the plain string it is.
    }
    const view = { ...record, body };
    return compiled.some((p) => p.matches(view));
  };
}
