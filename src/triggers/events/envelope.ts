/**
 * The envelope EventBridge wraps every event in, as a target receives it: custom events
 * from PutEvents and the events of scheduled rules.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html
 */
import { randomUUID } from 'node:crypto';
import type { Partition } from '../../core/arn.js';

/** An event as targets receive it. `detail` is the parsed Detail object. */
export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  /** UTC with second precision, as AWS writes it: `2026-01-01T12:00:00Z`. */
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** Epoch milliseconds as an envelope's `time`: ISO 8601, UTC, whole seconds. */
export function eventTime(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The event a scheduled rule sends to its targets for the firing scheduled at `scheduledMs`. */
export function scheduledEvent(partition: Partition, ruleArn: string, scheduledMs: number): EventEnvelope {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: partition.accountId,
    time: eventTime(scheduledMs),
    region: partition.region,
    resources: [ruleArn],
    detail: {},
  };
}

/** A custom event, as PutEvents builds it from one validated entry. */
export function customEvent(
  partition: Partition,
  entry: { source: string; detailType: string; detail: Record<string, unknown>; resources: string[]; timeMs: number },
): EventEnvelope {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': entry.detailType,
    source: entry.source,
    account: partition.accountId,
    time: eventTime(entry.timeMs),
    region: partition.region,
    resources: entry.resources,
    detail: entry.detail,
  };
}
