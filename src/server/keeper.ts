/**
 * The keeper: the one node of a cluster that keeps what lives in one process's memory or
 * must be done once. The SQS queues (messages, receipts, visibility, FIFO group locks, long
 * polls) with the pollers of their event source mappings, the provisioned environments (so
 * a configuration of N means N environments in the cluster, not N per node), and the
 * delivery of bucket notifications from the shared outbox (other nodes' writes wake it with
 * a note on `gust.<cluster>.s3-outbox`). It is the holder of the keeper lease
 * (cluster-lease.ts); it says so on `gust.<cluster>.keeper` every GOSSIP_MS and at once
 * when it took the lease and read what it keeps, and every other node hands those routes to
 * it (http/hand-over.ts) and sends its messages through it (`POST
 * /gust/cluster/queues/send`); invocations reach its provisioned environments by routing
 * (invoke-routing.ts). A node that starts asks, and the keeper answers at once, so a node
 * joining a running cluster knows it before its first request. A keeper not heard from for
 * three of those is forgotten. While no keeper is known (a move: the old one gave the lease
 * back or died, the next one is reading the queues), requests wait for one, up to
 * KEEPER_WAIT_MS, which a takeover after a crash fits in; past that, a node answers queue
 * requests itself with SQS's ServiceUnavailable, which the SDKs retry.
 */
import { Agent } from 'node:http';
import type { Logger } from 'pino';
import type { ClusterBus } from '../bus/cluster-bus.js';
import type { KeeperPlace } from '../core/model/cluster-nodes.js';
import { SqsServiceUnavailable } from '../core/sqs-errors.js';
import { decodeSendAnswer, encodeSend } from '../control/sqs/sent-elsewhere.js';
import type { SendMessageInput, SendResult } from '../control/sqs/queue-service.js';
import { GOSSIP_MS, heardSince } from './invoke-routing.js';
import { postToNode } from './node-post.js';

/** How long a request waits for a keeper to be known: a takeover after `kill -9` took 0.5–1.9 s (the next lease try and reading the queues back). */
export const KEEPER_WAIT_MS = 5_000;
const WAIT_STEP_MS = 20;

export interface KeeperOptions {
  bus: ClusterBus;
  cluster: string;
  secret: string;
  node: string;
  url: () => string;
  /** Whether this node keeps now: it holds the keeper lease and has read what it keeps. */
  holding: () => boolean;
  /** Told when the keeper gave the lease back: this node may take it at once. */
  vacated: () => void;
  /** Told, on the keeper, that another node wrote bucket notifications to the shared outbox. */
  outboxWritten: () => void;
  logger: Logger;
}

export class Keeper {
  private holder: { node: string; url: string; heardAt: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly subject: string;
  private readonly outboxSubject: string;
  private readonly agent = new Agent({ keepAlive: true });

  constructor(private readonly options: KeeperOptions) {
    this.subject = `gust.${options.cluster}.keeper`;
    this.outboxSubject = `gust.${options.cluster}.s3-outbox`;
  }

  start(): void {
    this.options.bus.subscribe(this.subject, (note) => {
      const { node, url } = note;
      if (node === this.options.node || typeof node !== 'string') return;
      if (note.asking === true) this.tell();
      else if (typeof url === 'string') this.holder = { node, url, heardAt: Date.now() };
      else {
        if (this.holder?.node === node) this.holder = undefined;
        this.options.vacated();
      }
    });
    this.options.bus.subscribe(this.outboxSubject, (note) => {
      if (note.node !== this.options.node && this.options.holding()) this.options.outboxWritten();
    });
    this.timer = setInterval(() => this.tell(), GOSSIP_MS);
    this.timer.unref();
    // Subscribed first: the keeper's answer comes back on the same connection, after it.
    this.options.bus.publish(this.subject, { node: this.options.node, asking: true });
  }

  /** Says that this node is the keeper, if it is: every GOSSIP_MS, and at once when it took the lease. */
  tell(): void {
    if (this.options.holding()) this.options.bus.publish(this.subject, { node: this.options.node, url: this.options.url() });
  }

  /** Says that this node is no longer the keeper (it gave the lease back). */
  gaveUp(): void {
    this.options.bus.publish(this.subject, { node: this.options.node, url: null });
  }

  /** Tells the keeper that this node wrote bucket notifications to the outbox, which the keeper alone delivers. */
  wroteOutbox(): void {
    this.options.bus.publish(this.outboxSubject, { node: this.options.node });
  }

  /** Stops telling, and closes its connections, once nothing it sent can still be answered. */
  close(): void {
    clearInterval(this.timer);
    this.agent.destroy();
  }

  /** The keeper's URL, when it is another node heard from lately. */
  target(): string | undefined {
    if (this.options.holding() || !this.holder) return undefined;
    if (this.holder.heardAt < heardSince()) this.holder = undefined;
    return this.holder?.url;
  }

  /** Forgets the keeper at `url`, which refused a connection: requests wait for the next one instead (it died). */
  unreachable(url: string): void {
    if (this.holder?.url === url) this.holder = undefined;
  }

  /** Where the keeper is now. */
  place(): KeeperPlace {
    if (this.options.holding()) return 'here';
    const url = this.target();
    return url === undefined ? undefined : { url };
  }

  /** Where the keeper is, waiting up to KEEPER_WAIT_MS while none is known (a move in progress). */
  async found(): Promise<KeeperPlace> {
    const end = Date.now() + KEEPER_WAIT_MS;
    for (let place = this.place(); ; place = this.place()) {
      if (place !== undefined || Date.now() >= end) return place;
      await new Promise((r) => setTimeout(r, WAIT_STEP_MS));
    }
  }

  /** Sends a message to a queue of `accountId` through the keeper (never called on the keeper itself). */
  async send(accountId: string, queue: string, input: SendMessageInput): Promise<SendResult> {
    const place = await this.found();
    // None found in time, or this node became the keeper meanwhile: the sender sends again.
    if (place === undefined || place === 'here') throw new SqsServiceUnavailable();
    const target = place.url;
    let answer: { status: number; text: string };
    try {
      answer = await postToNode(this.agent, target, '/gust/cluster/queues/send', encodeSend({ accountId, queue, input }), this.options.secret);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') this.unreachable(target);
      // It may have taken the message: a sender's retry may send it twice (at least once).
      this.options.logger.warn({ err, node: target }, 'cluster: the keeper did not answer a message sent to it');
      throw new SqsServiceUnavailable();
    }
    if (answer.status !== 200) {
      this.options.logger.warn({ node: target, status: answer.status, body: answer.text.slice(0, 200) }, 'cluster: a node refused a message sent to it');
      throw new SqsServiceUnavailable();
    }
    return decodeSendAnswer(answer.text);
  }
}
