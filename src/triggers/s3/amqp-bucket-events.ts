/**
 * Bucket events that an external S3-compatible store publishes to an AMQP broker (MinIO's
 * `notify_amqp`, Ceph's `amqp://` push endpoints), consumed from a durable queue of Gust's
 * and announced like the webhook's (control/s3/external-events.ts). A message is
 * acknowledged only once its notifications are committed to the outbox: a crash before
 * that leaves it with the broker, which hands it out again. A message that is not bucket
 * events is dropped with a warning (it would fail the same way forever); any other failure
 * closes the connection, so the broker requeues what was in flight, and Gust connects
 * again after a pause, as it does when the broker is down or the exchange not yet declared.
 *
 * The URL is the broker's, plus Gust's own parameters: `queue` (default `gust-s3-events`),
 * and `exchange` with `routing_key` to bind that queue to the exchange the store publishes
 * to (only checked, never declared: the store declares it, with its own settings).
 */
import type { ChannelModel, ConsumeMessage } from 'amqplib';
import { InvalidArgument } from '../../core/s3-errors.js';
import { readExternalEvents, type ExternalEvent } from '../../control/s3/external-events.js';

export interface AmqpBucketEventsOptions {
  url: string;
  announce(events: ExternalEvent[]): Promise<{ announced: number; ignored: number }>;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  now(): number;
  /** Pause before connecting again. */
  retryMs?: number;
}

interface BrokerTarget {
  url: string;
  queue: string;
  exchange?: string;
  routingKey: string;
}

const OWN_PARAMS = ['queue', 'exchange', 'routing_key'];

/** Splits Gust's parameters off the broker URL; the rest (heartbeat, frameMax, …) go to the client. */
export function brokerTarget(raw: string): BrokerTarget {
  const url = new URL(raw);
  const own = Object.fromEntries(OWN_PARAMS.map((p) => [p, url.searchParams.get(p) ?? undefined]));
  for (const p of OWN_PARAMS) url.searchParams.delete(p);
  return { url: url.toString(), queue: own['queue'] || 'gust-s3-events', ...(own['exchange'] ? { exchange: own['exchange'] } : {}), routingKey: own['routing_key'] ?? '' };
}

export class AmqpBucketEvents {
  private connection: ChannelModel | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly target: BrokerTarget;

  constructor(private readonly options: AmqpBucketEventsOptions) {
    this.target = brokerTarget(options.url);
  }

  start(): void {
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.connection?.close().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const { queue, exchange, routingKey } = this.target;
    try {
      // module.exports of this CommonJS package, as prometheus.ts explains.
      const { default: amqp } = await import('amqplib');
      const connection = await amqp.connect(this.target.url);
      this.connection = connection;
      connection.on('error', () => undefined);
      connection.on('close', () => {
        this.connection = undefined;
        this.later();
      });
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      // The broker closes a channel on its errors and keeps the connection: start over, or
      // the consumer would stop without a word.
      channel.on('close', () => void connection.close().catch(() => undefined));
      await channel.prefetch(16);
      await channel.assertQueue(queue, { durable: true });
      if (exchange) {
        await channel.checkExchange(exchange);
        await channel.bindQueue(queue, exchange, routingKey);
      }
      await channel.consume(queue, (message) => {
        if (message) void this.handle(message).then((ack) => (ack ? channel.ack(message) : channel.nack(message, false, false)), () => connection.close().catch(() => undefined));
      });
      this.options.log.info({ queue, exchange }, 'consuming bucket events from AMQP');
    } catch (err) {
      this.options.log.warn({ err, queue, exchange }, 'cannot consume bucket events from AMQP yet; trying again');
      await this.connection?.close().catch(() => undefined);
      this.later();
    }
  }

  private later(): void {
    if (this.stopped || this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect();
    }, this.options.retryMs ?? 2_000);
  }

  /** Whether to acknowledge (announced, or never announceable); rejects to leave it with the broker. */
  private async handle(message: ConsumeMessage): Promise<boolean> {
    let events: ExternalEvent[];
    try {
      events = readExternalEvents(JSON.parse(message.content.toString('utf8')), this.options.now());
    } catch (err) {
      if (!(err instanceof SyntaxError || err instanceof InvalidArgument)) throw err;
      this.options.log.warn({ err: (err as Error).message, queue: this.target.queue }, 'dropped an AMQP message that holds no bucket events');
      return false;
    }
    const { ignored } = await this.options.announce(events);
    if (ignored > 0) this.options.log.warn({ ignored }, 'bucket events for buckets not linked with `gust buckets link` were left out');
    return true;
  }
}
