/**
 * What a received message shows besides its body: SQS's system attributes (SenderId,
 * SentTimestamp, ApproximateReceiveCount, …) and a selection of its message attributes
 * with their digest. ReceiveMessage answers with these, and so does the SQS event a
 * mapping hands a function.
 */
import type { MessageAttributeValue, StoredMessage } from '../../core/model/queues.js';
import { md5OfAttributes } from '../../core/sqs-digests.js';

/** Every system attribute the message has, as strings (times in ms since the epoch). */
export function systemAttributesOf(m: StoredMessage): Record<string, string> {
  const out: Record<string, string> = {
    SenderId: m.senderId,
    SentTimestamp: String(m.sentAt),
    ApproximateReceiveCount: String(m.state.receiveCount),
    ApproximateFirstReceiveTimestamp: String(m.state.firstReceiveAt ?? m.sentAt),
  };
  if (m.sequenceNumber !== undefined) out.SequenceNumber = m.sequenceNumber;
  if (m.deduplicationId !== undefined) out.MessageDeduplicationId = m.deduplicationId;
  if (m.groupId !== undefined) out.MessageGroupId = m.groupId;
  if (m.traceHeader !== undefined) out.AWSTraceHeader = m.traceHeader;
  if (m.deadLetterSourceArn !== undefined) out.DeadLetterQueueSourceArn = m.deadLetterSourceArn;
  return out;
}

/** The system attributes a receive asked for (`All`, or names). */
export function selectSystemAttributes(m: StoredMessage, names: readonly string[]): Record<string, string> {
  if (names.length === 0) return {};
  const all = systemAttributesOf(m);
  if (names.includes('All')) return all;
  const out: Record<string, string> = {};
  for (const name of names) if (all[name] !== undefined) out[name] = all[name];
  return out;
}

/**
 * The message attributes a receive asked for (`All`, `.*`, `prefix.*` or names), and the
 * digest of that selection, as SQS computes it over what it returns.
 */
export function selectMessageAttributes(m: StoredMessage, names: readonly string[]): { attributes: Record<string, MessageAttributeValue>; md5?: string } {
  if (names.includes('All') || names.includes('.*')) return { attributes: m.messageAttributes, ...(m.md5OfMessageAttributes === undefined ? {} : { md5: m.md5OfMessageAttributes }) };
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(m.messageAttributes)) {
    const wanted = names.some((n) => (n.endsWith('.*') ? name.startsWith(n.slice(0, -1)) : n === name));
    if (wanted) attributes[name] = value;
  }
  const md5 = md5OfAttributes(attributes);
  return { attributes, ...(md5 === undefined ? {} : { md5 }) };
}
