import { describe, expect, it } from 'vitest';
import { brokerTarget } from './amqp-bucket-events.js';

describe('brokerTarget', () => {
  it("takes Gust's parameters off the broker URL and leaves the client's", () => {
    expect(brokerTarget('amqp://u:p@h:5672/vh?exchange=minio&routing_key=logs&queue=q&heartbeat=10')).toEqual({ url: 'amqp://u:p@h:5672/vh?heartbeat=10', queue: 'q', exchange: 'minio', routingKey: 'logs' });
    expect(brokerTarget('amqp://h')).toEqual({ url: 'amqp://h', queue: 'gust-s3-events', routingKey: '' });
  });
});
