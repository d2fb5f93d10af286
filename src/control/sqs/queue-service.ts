/**
 * QueueService: Gust's SQS-compatible queues. Every queue and message lives in memory
 * (read back from the QueueStore by `load`) and every change is committed to the store
 * before the operation resolves (group commit: one transaction for everything submitted in
 * the same turn of the event loop). Wire protocols are the HTTP layer's business; this is
 * the one door for it, for the event source pollers and for the destinations that send
 * to queues. Operations live in queue-admin.ts, queue-messaging.ts and queue-batches.ts.
 */
import type { SendMessageInput } from './message-input.js';
import * as admin from './queue-admin.js';
import * as batches from './queue-batches.js';
import { QueueCore, type QueueChangeListener, type QueueServiceDeps } from './queue-core.js';
import * as messaging from './queue-messaging.js';

export type { BatchFailure, BatchResult } from './queue-batches.js';
export type { NamePage } from './queue-admin.js';
export type { QueueChange, QueueChangeListener, QueueServiceDeps } from './queue-core.js';
export type { ReceiveOptions, ReceivedMessage, SendResult } from './queue-messaging.js';
export type { SendMessageInput } from './message-input.js';

/** The queue service as something that sends to queues by ARN needs it (destinations, EventBridge targets). */
export type QueueSender = Pick<QueueService, 'queueNameOfArn' | 'send'>;

/** What `gust queues` shows of one queue. */
export interface QueueReport {
  name: string;
  arn: string;
  fifo: boolean;
  visible: number;
  inFlight: number;
  delayed: number;
  /** The dead-letter queue's name and its redrive threshold, when the queue has one. */
  deadLetterQueue?: { name: string; maxReceiveCount: number };
}

export class QueueService {
  private readonly core: QueueCore;

  constructor(deps: QueueServiceDeps) {
    this.core = new QueueCore(deps);
  }

  /** Reads every queue and message back from the store: before serving, and on a cluster node that takes the queues over. */
  load(): Promise<void> {
    return this.core.load();
  }

  /** Reads the queues alone: a cluster node that does not keep them (another node does), after any of them changed. */
  loadRecords(): Promise<void> {
    return this.core.loadRecords();
  }

  /** Whether this process keeps the queues' messages (always, but on a cluster node without the keeper lease). */
  get hosting(): boolean {
    return this.core.hosting;
  }

  /** Calls `listener(queueName, change)` after queues are created, changed or deleted. */
  onChange(listener: QueueChangeListener): () => void {
    return this.core.onChange(listener);
  }

  /** The name of the queue an ARN names, if it is Gust's and exists. */
  queueNameOfArn(arn: string): string | undefined {
    return this.core.queueOfArn(arn)?.name;
  }

  arnOf(name: string): string {
    return this.core.arn(name);
  }

  /** Whether a queue exists and is FIFO; undefined when it does not exist. */
  describe(name: string): { fifo: boolean; visibilityTimeoutSeconds: number } | undefined {
    const queue = this.core.queues.get(name);
    return queue && { fifo: queue.fifo, visibilityTimeoutSeconds: queue.settings.visibilityTimeoutSeconds };
  }

  createQueue(name: string | undefined, attributes: Record<string, string> = {}, tags: Record<string, string> = {}): Promise<{ name: string }> {
    return admin.createQueue(this.core, name, attributes, tags);
  }

  deleteQueue(name: string): Promise<void> {
    return admin.deleteQueue(this.core, name);
  }

  /** The queue's name if it exists (GetQueueUrl); QueueDoesNotExist otherwise. */
  getQueue(name: string): string {
    return this.core.queue(name).name;
  }

  listQueues(prefix?: string, maxResults?: number, nextToken?: string): admin.NamePage {
    return admin.listQueues(this.core, prefix, maxResults, nextToken);
  }

  getAttributes(name: string, names: string[]): Record<string, string> {
    return admin.getAttributes(this.core, name, names);
  }

  setAttributes(name: string, attributes: Record<string, string>): Promise<void> {
    return admin.setAttributes(this.core, name, attributes);
  }

  purgeQueue(name: string): Promise<void> {
    return admin.purgeQueue(this.core, name);
  }

  tagQueue(name: string, tags: Record<string, string>): Promise<void> {
    return admin.tagQueue(this.core, name, tags);
  }

  untagQueue(name: string, keys: string[]): Promise<void> {
    return admin.untagQueue(this.core, name, keys);
  }

  listTags(name: string): Record<string, string> {
    return { ...this.core.queue(name).record.tags };
  }

  deadLetterSources(name: string, maxResults?: number, nextToken?: string): admin.NamePage {
    return admin.deadLetterSources(this.core, name, maxResults, nextToken);
  }

  send(name: string, input: SendMessageInput): Promise<messaging.SendResult> {
    const elsewhere = this.core.deps.elsewhere;
    if (!this.core.hosting && elsewhere) return elsewhere.send(name, input);
    return messaging.send(this.core, name, input);
  }

  sendBatch(name: string, entries: (SendMessageInput & batches.BatchEntry)[]): ReturnType<typeof batches.sendBatch> {
    return batches.sendBatch(this.core, name, entries);
  }

  /** ReceiveMessage as the API takes it: its limits checked. */
  receiveMessage(name: string, options: messaging.ReceiveOptions, signal?: AbortSignal): Promise<messaging.ReceivedMessage[]> {
    this.core.queue(name);
    messaging.checkReceiveRequest(options);
    return messaging.receive(this.core, name, options, signal);
  }

  /** A receive without the API's limits: any batch size, waits until `signal` aborts if asked. */
  receive(name: string, options: messaging.ReceiveOptions, signal?: AbortSignal): Promise<messaging.ReceivedMessage[]> {
    return messaging.receive(this.core, name, options, signal);
  }

  /** Whether a receive would find a message now (a poller with nothing to do may retire). */
  hasAvailable(name: string): boolean {
    return this.core.queues.get(name)?.hasAvailable() ?? false;
  }

  /** Deletes any number of received messages in one commit (a poller's batch); stale handles delete nothing. */
  async deleteReceipts(name: string, receiptHandles: readonly string[]): Promise<void> {
    const queue = this.core.queue(name);
    await this.core.submit(receiptHandles.flatMap((handle) => messaging.deleteReceipt(queue, handle)));
  }

  async deleteMessage(name: string, receiptHandle: string): Promise<void> {
    await this.core.submit(messaging.deleteReceipt(this.core.queue(name), receiptHandle));
  }

  deleteMessageBatch(name: string, entries: batches.ReceiptEntry[]): ReturnType<typeof batches.deleteBatch> {
    return batches.deleteBatch(this.core, name, entries);
  }

  async changeVisibility(name: string, receiptHandle: string, seconds: number | undefined): Promise<void> {
    await this.core.submit([messaging.changeReceiptVisibility(this.core, this.core.queue(name), receiptHandle, seconds)]);
  }

  changeVisibilityBatch(name: string, entries: batches.VisibilityEntry[]): ReturnType<typeof batches.changeVisibilityBatch> {
    return batches.changeVisibilityBatch(this.core, name, entries);
  }

  /** Every queue's depth, in flight and delayed counts, and dead-letter queue, for `gust queues`. */
  report(): QueueReport[] {
    return [...this.core.queues.values()]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((queue) => {
        const counts = queue.countsNow();
        const redrive = queue.settings.redrive;
        const dlq = redrive && this.core.queueOfArn(redrive.deadLetterTargetArn);
        return {
          name: queue.name,
          arn: this.core.arn(queue.name),
          fifo: queue.fifo,
          ...counts,
          ...(dlq ? { deadLetterQueue: { name: dlq.name, maxReceiveCount: redrive.maxReceiveCount } } : {}),
        };
      });
  }

  /** Ends long polls and waits for pending commits. */
  close(): Promise<void> {
    return this.core.close();
  }
}
