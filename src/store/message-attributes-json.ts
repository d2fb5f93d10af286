/**
 * SQS message attributes as the queue stores keep them in JSON: binary values in base64,
 * every other field as it is. One encoding for every QueueStore, so their rows read alike.
 */
import type { MessageAttributeValue, StoredMessage } from '../core/model/queues.js';

/** A message attribute as JSON holds it. */
export interface StoredAttribute {
  dataType: string;
  stringValue?: string;
  binaryValue?: string;
}

/** What a message row keeps in `meta`: everything that never changes, apart from the columns of its own. */
export type MessageMeta = Omit<StoredMessage, 'queue' | 'seq' | 'body' | 'state' | 'messageAttributes'> & { messageAttributes: Record<string, StoredAttribute> };

export function encodeAttributes(attributes: Record<string, MessageAttributeValue>): Record<string, StoredAttribute> {
  const out: Record<string, StoredAttribute> = {};
  for (const [name, v] of Object.entries(attributes)) {
    out[name] = { dataType: v.dataType, ...(v.stringValue === undefined ? {} : { stringValue: v.stringValue }), ...(v.binaryValue === undefined ? {} : { binaryValue: v.binaryValue.toString('base64') }) };
  }
  return out;
}

export function decodeAttributes(attributes: Record<string, StoredAttribute>): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, v] of Object.entries(attributes)) {
    out[name] = { dataType: v.dataType, ...(v.stringValue === undefined ? {} : { stringValue: v.stringValue }), ...(v.binaryValue === undefined ? {} : { binaryValue: Buffer.from(v.binaryValue, 'base64') }) };
  }
  return out;
}
