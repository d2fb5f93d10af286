import { describe, expect, it } from 'vitest';
import type { OutboxEntry } from '../../core/model/buckets.js';
import type { InvokeRequest, InvokeResult } from '../../invoke/invoke-types.js';
import type { EventEnvelope } from '../events/envelope.js';
import { destinationAccount, NotificationDispatcher, type NotificationTargets } from './notification-dispatcher.js';

const A = '000000000000';
const B = '111111111111';

/** One account's targets, recording what each was handed. */
function recorder(account: string, got: string[]): NotificationTargets {
  return {
    bus: { publish: async (event: EventEnvelope) => void got.push(`${account} bus ${event.source}`) },
    invoker: {
      invoke: async (r: InvokeRequest): Promise<InvokeResult> => {
        got.push(`${account} invoke ${r.functionName}`);
        return { statusCode: 202, payload: Buffer.alloc(0), executedVersion: '$LATEST', requestId: 'r' };
      },
    },
    queues: {
      queueNameOfArn: (arn: string) => arn.split(':').pop(),
      send: async (queue: string) => {
        got.push(`${account} send ${queue}`);
        return { messageId: 'm', md5OfBody: '' };
      },
    },
  };
}

describe('NotificationDispatcher', () => {
  it('reads the account of ARNs and partial function ARNs', () => {
    expect(destinationAccount(`arn:aws:lambda:us-east-1:${B}:function:f`)).toBe(B);
    expect(destinationAccount(`arn:aws:sqs:us-east-1:${B}:q`)).toBe(B);
    expect(destinationAccount(`arn:aws:events:us-east-1:${B}:event-bus/default`)).toBe(B);
    expect(destinationAccount(`${B}:function:f`)).toBe(B);
    expect(destinationAccount('f')).toBeUndefined();
  });

  it('hands each notification to the account its destination names, and drops, with a report, those of an account Gust does not have', async () => {
    const entries: OutboxEntry[] = [
      { seq: 1, destination: `arn:aws:lambda:us-east-1:${A}:function:f`, payload: '{}' },
      { seq: 2, destination: `${B}:function:g`, payload: '{}' },
      { seq: 3, destination: `arn:aws:sqs:us-east-1:${B}:q`, payload: '{}' },
      { seq: 4, destination: `arn:aws:events:us-east-1:${A}:event-bus/default`, payload: '{"source":"aws.s3"}' },
      { seq: 5, destination: 'arn:aws:sqs:us-east-1:222222222222:q', payload: '{}' },
    ];
    const got: string[] = [];
    const reports: string[] = [];
    const targets = new Map([[A, recorder(A, got)], [B, recorder(B, got)]]);
    const dispatcher = new NotificationDispatcher({
      outbox: {
        pendingNotifications: async (limit) => entries.slice(0, limit),
        deleteNotification: async (seq) => void entries.splice(entries.findIndex((e) => e.seq === seq), 1),
      },
      targetsOf: (account) => targets.get(account),
      report: (err, context) => void reports.push(`${context}: ${(err as Error).message}`),
    });
    dispatcher.start();
    await dispatcher.stop();
    expect(got.sort()).toEqual([`${A} bus aws.s3`, `${A} invoke arn:aws:lambda:us-east-1:${A}:function:f`, `${B} invoke ${B}:function:g`, `${B} send q`]);
    expect(entries).toEqual([]);
    expect(reports).toEqual(['dropping a bucket notification: no account 222222222222 answers for arn:aws:sqs:us-east-1:222222222222:q']);
  });
});
