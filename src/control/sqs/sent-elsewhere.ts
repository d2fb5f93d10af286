/**
 * A message that a cluster node which does not keep the queues sends through the node that
 * does (`POST /gust/cluster/queues/send`): a destination's, a rule target's or a bucket
 * notification's. JSON, binary attribute values as base64; the answer is the send's result
 * or the SQS error it raised, rebuilt as the same error on the sending node.
 */
import { SqsError } from '../../core/sqs-errors.js';
import type { FaultType } from '../../core/errors.js';
import type { MessageAttributeValue } from '../../core/model/queues.js';
import type { SendMessageInput } from './message-input.js';
import type { SendResult } from './queue-messaging.js';

export interface SentElsewhere {
  accountId: string;
  queue: string;
  input: SendMessageInput;
}

type WireAttributes = Record<string, { dataType: string; stringValue?: string; binaryValue?: string }>;

interface WireError {
  type: string;
  code: string;
  status: number;
  message: string;
  fault: FaultType;
}

const toWire = (attributes: Record<string, MessageAttributeValue> | undefined): WireAttributes | undefined =>
  attributes && Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { dataType: v.dataType, ...(v.stringValue === undefined ? {} : { stringValue: v.stringValue }), ...(v.binaryValue === undefined ? {} : { binaryValue: v.binaryValue.toString('base64') }) }]));

const fromWire = (attributes: unknown): Record<string, MessageAttributeValue> | undefined => {
  if (attributes === undefined) return undefined;
  if (typeof attributes !== 'object' || attributes === null) throw new Error('message attributes are not an object');
  return Object.fromEntries(
    Object.entries(attributes as WireAttributes).map(([k, v]) => [k, { dataType: String(v.dataType), ...(typeof v.stringValue === 'string' ? { stringValue: v.stringValue } : {}), ...(typeof v.binaryValue === 'string' ? { binaryValue: Buffer.from(v.binaryValue, 'base64') } : {}) }]),
  );
};

export function encodeSend(sent: SentElsewhere): string {
  const { messageAttributes, systemAttributes, ...rest } = sent.input;
  return JSON.stringify({ accountId: sent.accountId, queue: sent.queue, input: { ...rest, messageAttributes: toWire(messageAttributes), systemAttributes: toWire(systemAttributes) } });
}

/** The send a body names; undefined when it is not one. */
export function decodeSend(body: unknown): SentElsewhere | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { accountId, queue, input } = body as { accountId?: unknown; queue?: unknown; input?: Record<string, unknown> };
  if (typeof accountId !== 'string' || typeof queue !== 'string' || typeof input !== 'object' || input === null) return undefined;
  try {
    const messageAttributes = fromWire(input.messageAttributes);
    const systemAttributes = fromWire(input.systemAttributes);
    return {
      accountId,
      queue,
      input: {
        ...(typeof input.body === 'string' ? { body: input.body } : {}),
        ...(typeof input.delaySeconds === 'number' ? { delaySeconds: input.delaySeconds } : {}),
        ...(typeof input.groupId === 'string' ? { groupId: input.groupId } : {}),
        ...(typeof input.deduplicationId === 'string' ? { deduplicationId: input.deduplicationId } : {}),
        ...(messageAttributes ? { messageAttributes } : {}),
        ...(systemAttributes ? { systemAttributes } : {}),
      },
    };
  } catch {
    return undefined;
  }
}

export function encodeSendAnswer(answer: { result: SendResult } | { error: SqsError }): string {
  if ('result' in answer) return JSON.stringify({ result: answer.result });
  const e = answer.error;
  const error: WireError = { type: e.awsType, code: e.queryCode, status: e.status, message: e.message, fault: e.faultType };
  return JSON.stringify({ error });
}

/** The send's result; throws the SQS error the keeping node answered. */
export function decodeSendAnswer(text: string): SendResult {
  const body = JSON.parse(text) as { result?: SendResult; error?: WireError };
  if (body.error) {
    const { type, code, status, message, fault } = body.error;
    throw new SqsError(type, code, status, message, { faultType: fault });
  }
  if (body.result) return body.result;
  throw new Error('not an answer to a queue send');
}
