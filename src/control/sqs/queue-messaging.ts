/**
 * Messages in and out: SendMessage(Batch), ReceiveMessage with long polling and FIFO
 * receive attempt ids, DeleteMessage(Batch) and ChangeMessageVisibility(Batch).
 *
 * A message is visible to receivers as soon as it is accepted, before its commit: a
 * receiver may then see a message whose sender has not had its answer yet (and never will
 * if the machine dies in between), which at-least-once delivery allows, and it saves a
 * commit's wait on the way to a waiting poller. The sender's answer still waits for the
 * commit. Receives on the API wait for theirs too; pollers (`durable: false`) do not: a
 * receive lost in a crash only means the message is delivered again.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { StoredMessage } from '../../core/model/queues.js';
import { InvalidParameterValue, MessageNotInflight, OverLimit, ReceiptHandleIsInvalid } from '../../core/sqs-errors.js';
import type { QueueStoreWrite } from '../../store/queue-store.js';
import type { LiveQueue, Waiter } from './live-queue.js';
import { checkMessage, type SendMessageInput } from './message-input.js';
import type { QueueCore } from './queue-core.js';
import { decodeReceipt, encodeReceipt } from './receipts.js';
import { SQS_LIMITS } from './sqs-limits.js';

/** What SendMessage answers. */
export interface SendResult {
  messageId: string;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  md5OfMessageSystemAttributes?: string;
  sequenceNumber?: string;
}

/** One received message: a copy as it was at the receive, and its receipt handle. */
export interface ReceivedMessage {
  message: StoredMessage;
  receiptHandle: string;
}

export interface ReceiveOptions {
  max: number;
  /** Seconds to wait for a first message; undefined: the queue's ReceiveMessageWaitTimeSeconds. */
  waitSeconds?: number;
  /** Wait until a message comes or `signal` aborts (pollers); waitSeconds is then ignored. */
  waitForever?: boolean;
  /** Undefined: the queue's VisibilityTimeout. */
  visibilityTimeoutSeconds?: number;
  /** FIFO: a retried receive with the same id gets the same messages. */
  attemptId?: string;
  maxBytes?: number;
  /** Whether the answer waits for the receive's commit (default true). */
  durable?: boolean;
  /** Served before other waiters: a poller filling a batch within its window. */
  priority?: boolean;
}

function checkRange(name: string, value: number | undefined, min: number, max: number, reason: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
    throw new InvalidParameterValue(`Value ${value} for parameter ${name} is invalid. Reason: ${reason}`);
  }
}

/** ReceiveMessage's own limits (pollers take larger batches through `receive` directly). */
export function checkReceiveRequest(o: ReceiveOptions): void {
  checkRange('MaxNumberOfMessages', o.max, 1, SQS_LIMITS.receiveMax, `Must be between 1 and ${SQS_LIMITS.receiveMax}, if provided.`);
  checkRange('WaitTimeSeconds', o.waitSeconds, 0, SQS_LIMITS.waitSecondsMax, `Must be >= 0 and <= ${SQS_LIMITS.waitSecondsMax}, if provided.`);
  checkRange('VisibilityTimeout', o.visibilityTimeoutSeconds, 0, SQS_LIMITS.visibilitySecondsMax, `Must be >= 0 and <= ${SQS_LIMITS.visibilitySecondsMax}, if provided.`);
}

export async function send(core: QueueCore, name: string, input: SendMessageInput): Promise<SendResult> {
  const queue = core.queue(name);
  const checked = checkMessage(input, queue);
  const now = core.clock.now();
  let dedupKey: string | undefined;
  if (queue.fifo) {
    const id = checked.deduplicationId ?? createHash('sha256').update(checked.body, 'utf8').digest('hex');
    dedupKey = queue.settings.deduplicationPerGroup ? `${checked.groupId}\n${id}` : id;
    const first = queue.deduplication.get(dedupKey);
    // A duplicate inside the five-minute window is accepted and dropped: the answer names the
    // first message (id, sequence number) and digests what this request sent, which is what
    // SDKs check it against.
    if (first && first.expiresAt > now) {
      return {
        messageId: first.messageId,
        md5OfBody: checked.md5OfBody,
        ...(checked.md5OfMessageAttributes === undefined ? {} : { md5OfMessageAttributes: checked.md5OfMessageAttributes }),
        ...(checked.md5OfMessageSystemAttributes === undefined ? {} : { md5OfMessageSystemAttributes: checked.md5OfMessageSystemAttributes }),
        sequenceNumber: first.sequenceNumber,
      };
    }
    checked.deduplicationId = id;
  }
  const seq = core.nextSeq();
  const { delaySeconds: _delay, size: _size, ...fields } = checked;
  const message: StoredMessage = {
    ...fields,
    queue: name,
    seq,
    id: randomUUID(),
    sentAt: now,
    senderId: core.deps.partition.accountId,
    ...(queue.fifo ? { sequenceNumber: String(seq).padStart(20, '0') } : {}),
    state: { visibleAt: checked.delaySeconds > 0 ? now + checked.delaySeconds * 1000 : 0, receiveCount: 0 },
  };
  const writes: QueueStoreWrite[] = [{ kind: 'putMessage', message: { ...message, state: { ...message.state } } }];
  if (dedupKey !== undefined) {
    const entry = { queue: name, deduplicationId: dedupKey, messageId: message.id, sequenceNumber: message.sequenceNumber!, expiresAt: now + SQS_LIMITS.deduplicationWindowMs };
    queue.deduplication.set(dedupKey, entry);
    writes.push({ kind: 'putDeduplication', entry });
  }
  const committed = core.submit(writes);
  queue.add(message);
  await committed;
  return {
    messageId: message.id,
    md5OfBody: message.md5OfBody,
    ...(message.md5OfMessageAttributes === undefined ? {} : { md5OfMessageAttributes: message.md5OfMessageAttributes }),
    ...(message.md5OfMessageSystemAttributes === undefined ? {} : { md5OfMessageSystemAttributes: message.md5OfMessageSystemAttributes }),
    ...(message.sequenceNumber === undefined ? {} : { sequenceNumber: message.sequenceNumber }),
  };
}

/** Takes what is available now; the writes (receives, expiries, redrives) are submitted. */
function takeNow(core: QueueCore, queue: LiveQueue, o: ReceiveOptions): { received: ReceivedMessage[]; committed: Promise<void> } {
  const deadLetter = core.deadLetterQueueOf(queue);
  const { taken, redriven, writes } = queue.take({
    max: o.max,
    visibilityTimeoutSeconds: o.visibilityTimeoutSeconds ?? queue.settings.visibilityTimeoutSeconds,
    ...(o.maxBytes === undefined ? {} : { maxBytes: o.maxBytes }),
    redrive: deadLetter !== undefined,
  });
  if (deadLetter && redriven.length > 0) writes.push(...core.moveToDeadLetter(queue.name, deadLetter, redriven));
  const received = taken.map((live) => ({
    message: { ...live.message, state: { ...live.message.state } },
    receiptHandle: encodeReceipt({ queue: queue.name, seq: live.message.seq, receiveCount: live.message.state.receiveCount }),
  }));
  if (queue.fifo && o.attemptId !== undefined && received.length > 0) {
    queue.attempts.set(o.attemptId, { expiresAt: core.clock.now() + SQS_LIMITS.deduplicationWindowMs, seqs: received.map((r) => r.message.seq) });
  }
  return { received, committed: core.submit(writes) };
}

/** A FIFO receive retried with the same attempt id: the same messages, while they are all still in flight. */
function retriedAttempt(queue: LiveQueue, attemptId: string, now: number): ReceivedMessage[] | undefined {
  const attempt = queue.attempts.get(attemptId);
  if (!attempt || attempt.expiresAt <= now) return undefined;
  const lives = attempt.seqs.map((seq) => queue.get(seq));
  if (lives.some((live) => live?.status !== 'inflight')) return undefined;
  return lives.map((live) => ({
    message: { ...live!.message, state: { ...live!.message.state } },
    receiptHandle: encodeReceipt({ queue: queue.name, seq: live!.message.seq, receiveCount: live!.message.state.receiveCount }),
  }));
}

export async function receive(core: QueueCore, name: string, o: ReceiveOptions, signal?: AbortSignal): Promise<ReceivedMessage[]> {
  const queue = core.queue(name);
  if (queue.fifo && o.attemptId !== undefined) {
    const again = retriedAttempt(queue, o.attemptId, core.clock.now());
    if (again) return again;
  }
  if (queue.countsNow().inFlight >= SQS_LIMITS.inFlightMessages) {
    throw new OverLimit(`The maximum number of in flight messages (${SQS_LIMITS.inFlightMessages}) has been reached.`);
  }
  const durable = o.durable ?? true;
  const settle = async ({ received, committed }: { received: ReceivedMessage[]; committed: Promise<void> }) => {
    if (durable) await committed;
    else committed.catch((err: unknown) => core.report(err, `recording a receive from ${name}`));
    return received;
  };
  const first = takeNow(core, queue, o);
  const waitSeconds = o.waitSeconds ?? queue.settings.waitSeconds;
  if (first.received.length > 0 || (!o.waitForever && waitSeconds === 0) || signal?.aborted) return settle(first);
  // Nothing taken: what the take wrote (expiries, redrives) need not hold up the wait.
  first.committed.catch((err: unknown) => core.report(err, `recording a receive from ${name}`));
  return new Promise<ReceivedMessage[]>((resolve, reject) => {
    let cancelTimer: (() => void) | undefined;
    const finish = (result: Promise<ReceivedMessage[]> | ReceivedMessage[]) => {
      queue.removeWaiter(waiter);
      cancelTimer?.();
      signal?.removeEventListener('abort', onAbort);
      Promise.resolve(result).then(resolve, reject);
    };
    const waiter: Waiter = {
      wake() {
        // The queue was deleted meanwhile: the poll ends empty.
        if (core.queues.get(name) !== queue) {
          finish([]);
          return true;
        }
        const taken = takeNow(core, queue, o);
        if (taken.received.length === 0) return false;
        finish(settle(taken));
        return true;
      },
    };
    const onAbort = () => finish([]);
    queue.addWaiter(waiter, o.priority ?? false);
    if (!o.waitForever) cancelTimer = core.clock.setTimer(() => finish([]), waitSeconds * 1000);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function receiptOf(queue: LiveQueue, handle: string) {
  const receipt = decodeReceipt(handle);
  if (!receipt || receipt.queue !== queue.name) throw new ReceiptHandleIsInvalid(handle);
  return receipt;
}

/** Deletes a received message now; the writes that record it. */
export function deleteReceipt(queue: LiveQueue, handle: string): QueueStoreWrite[] {
  const receipt = receiptOf(queue, handle);
  const live = queue.get(receipt.seq);
  if (!live) return [];
  if (live.message.state.receiveCount !== receipt.receiveCount || (queue.fifo && live.status !== 'inflight')) {
    // SQS: a stale handle deletes nothing on a standard queue and is refused by a FIFO queue.
    if (queue.fifo) throw new InvalidParameterValue(`Value ${handle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.`);
    return [];
  }
  queue.remove(receipt.seq);
  return [{ kind: 'deleteMessage', seq: receipt.seq }];
}

/** Changes a received message's visibility timeout now; the write that records it. */
export function changeReceiptVisibility(core: QueueCore, queue: LiveQueue, handle: string, seconds: number | undefined): QueueStoreWrite {
  const receipt = receiptOf(queue, handle);
  if (seconds === undefined) throw new InvalidParameterValue('The request must contain the parameter VisibilityTimeout.');
  checkRange('VisibilityTimeout', seconds, 0, SQS_LIMITS.visibilitySecondsMax, `Must be between 0 and ${SQS_LIMITS.visibilitySecondsMax}, if provided.`);
  const live = queue.get(receipt.seq);
  if (!live || live.message.state.receiveCount !== receipt.receiveCount) {
    throw new InvalidParameterValue(`Value ${handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`);
  }
  if (live.status !== 'inflight') throw new MessageNotInflight();
  const now = core.clock.now();
  if (live.receivedAt !== undefined && now + seconds * 1000 - live.receivedAt > SQS_LIMITS.visibilitySecondsMax * 1000) {
    throw new InvalidParameterValue(`Value ${seconds} for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [${SQS_LIMITS.visibilitySecondsMax} seconds]`);
  }
  return queue.changeVisibility(receipt.seq, seconds);
}
