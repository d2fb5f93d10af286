/**
 * The batch operations: SendMessageBatch, DeleteMessageBatch and
 * ChangeMessageVisibilityBatch. The request as a whole is checked first (entries present,
 * at most 10, ids valid and distinct, a send batch's size); then each entry succeeds or
 * fails on its own, a failure carrying SQS's query code as `Code`, as SQS answers it. The
 * entries' writes are committed together before the answer.
 */
import type { MessageAttributeValue } from '../../core/model/queues.js';
import { BatchEntryIdsNotDistinct, BatchRequestTooLong, EmptyBatchRequest, InvalidBatchEntryId, SqsError, TooManyEntriesInBatchRequest } from '../../core/sqs-errors.js';
import type { QueueStoreWrite } from '../../store/queue-store.js';
import type { SendMessageInput } from './message-input.js';
import type { QueueCore } from './queue-core.js';
import { changeReceiptVisibility, deleteReceipt, send, type SendResult } from './queue-messaging.js';
import { SQS_LIMITS } from './sqs-limits.js';

/** A failed entry of a batch. */
export interface BatchFailure {
  id: string;
  senderFault: boolean;
  code: string;
  message: string;
}

export interface BatchResult<T> {
  successful: T[];
  failed: BatchFailure[];
}

const ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

/** A batch entry as the API parsed it: any member may be missing, and is reported per entry. */
export interface BatchEntry {
  id?: string | undefined;
}
export interface ReceiptEntry extends BatchEntry {
  receiptHandle?: string | undefined;
}
export interface VisibilityEntry extends ReceiptEntry {
  visibilityTimeout?: number | undefined;
}

function checkEntries(entries: BatchEntry[], entryName: string): void {
  if (entries.length === 0) throw new EmptyBatchRequest(entryName);
  if (entries.length > SQS_LIMITS.batchEntries) throw new TooManyEntriesInBatchRequest(entries.length);
  const seen = new Set<string>();
  for (const entry of entries) {
    if (entry.id === undefined || !ENTRY_ID.test(entry.id)) throw new InvalidBatchEntryId();
    if (seen.has(entry.id)) throw new BatchEntryIdsNotDistinct(entry.id);
    seen.add(entry.id);
  }
}

function failure(id: string, err: unknown): BatchFailure {
  if (err instanceof SqsError) return { id, senderFault: err.faultType === 'User', code: err.queryCode, message: err.message };
  throw err;
}

function attributeBytes(attributes: Record<string, MessageAttributeValue> | undefined): number {
  let size = 0;
  for (const [name, v] of Object.entries(attributes ?? {})) {
    size += Buffer.byteLength(name) + Buffer.byteLength(v.dataType ?? '') + (v.binaryValue?.length ?? Buffer.byteLength(v.stringValue ?? ''));
  }
  return size;
}

export async function sendBatch(core: QueueCore, name: string, entries: (SendMessageInput & BatchEntry)[]): Promise<BatchResult<SendResult & { id: string }>> {
  core.queue(name);
  checkEntries(entries, 'SendMessageBatchRequestEntry');
  const size = entries.reduce((sum, e) => sum + Buffer.byteLength(e.body ?? '') + attributeBytes(e.messageAttributes), 0);
  if (size > SQS_LIMITS.batchBytes) throw new BatchRequestTooLong(SQS_LIMITS.batchBytes, size);
  // Sent in entry order within one turn: one commit, and FIFO order follows the entries.
  const outcomes = await Promise.allSettled(entries.map((entry) => send(core, name, entry)));
  const result: BatchResult<SendResult & { id: string }> = { successful: [], failed: [] };
  outcomes.forEach((outcome, i) => {
    const id = entries[i]!.id!;
    if (outcome.status === 'fulfilled') result.successful.push({ id, ...outcome.value });
    else result.failed.push(failure(id, outcome.reason));
  });
  return result;
}

/** Runs `apply` on each entry; the writes of those that succeed are committed together. */
async function perEntry<E extends BatchEntry>(core: QueueCore, entries: E[], entryName: string, apply: (entry: E) => QueueStoreWrite[]): Promise<BatchResult<{ id: string }>> {
  checkEntries(entries, entryName);
  const result: BatchResult<{ id: string }> = { successful: [], failed: [] };
  const writes: QueueStoreWrite[] = [];
  for (const entry of entries) {
    try {
      writes.push(...apply(entry));
      result.successful.push({ id: entry.id! });
    } catch (err) {
      result.failed.push(failure(entry.id!, err));
    }
  }
  await core.submit(writes);
  return result;
}

export function deleteBatch(core: QueueCore, name: string, entries: ReceiptEntry[]): Promise<BatchResult<{ id: string }>> {
  const queue = core.queue(name);
  return perEntry(core, entries, 'DeleteMessageBatchRequestEntry', (entry) => deleteReceipt(queue, entry.receiptHandle ?? ''));
}

export function changeVisibilityBatch(core: QueueCore, name: string, entries: VisibilityEntry[]): Promise<BatchResult<{ id: string }>> {
  const queue = core.queue(name);
  return perEntry(core, entries, 'ChangeMessageVisibilityBatchRequestEntry', (entry) => [changeReceiptVisibility(core, queue, entry.receiptHandle ?? '', entry.visibilityTimeout)]);
}
