import { describe, expect, it } from 'vitest';
import { ValidationException } from '../../core/errors.js';
import { InvalidEventPatternException } from '../../control/events/errors.js';
import { eventsHarnesses, lambdaArn, patternRule } from '../../../test/helpers/events.js';

const harness = eventsHarnesses();

const orderEntry = { source: 'shop.orders', detailType: 'Order Placed', detail: JSON.stringify({ total: 42, currency: 'EUR' }) };

describe('EventBus.putEvents', () => {
  it('sends a matching event in AWS envelope to the rule targets', async () => {
    const h = await harness();
    await patternRule(h, 'orders', { source: ['shop.orders'], detail: { total: [{ numeric: ['>', 40] }] } });
    const result = h.bus.putEvents([{ ...orderEntry, resources: ['arn:aws:shop:::order/1'], timeMs: Date.UTC(2026, 4, 5, 6, 7, 8, 900) }]);
    await h.settle();
    expect(result.failedEntryCount).toBe(0);
    const eventId = (result.entries[0] as { eventId: string }).eventId;
    expect(h.delivery.delivered).toEqual([
      {
        functionArn: lambdaArn('orders'),
        payload: {
          version: '0',
          id: eventId,
          'detail-type': 'Order Placed',
          source: 'shop.orders',
          account: '123456789012',
          time: '2026-05-05T06:07:08Z',
          region: 'us-east-1',
          resources: ['arn:aws:shop:::order/1'],
          detail: { total: 42, currency: 'EUR' },
        },
      },
    ]);
  });

  it('sends nothing for a non-matching event, a disabled rule, or a schedule-only rule', async () => {
    const h = await harness();
    await patternRule(h, 'other-source', { source: ['shop.payments'] });
    await patternRule(h, 'disabled', { source: ['shop.orders'] });
    await h.rules.disableRule('disabled');
    await h.rules.putRule({ name: 'scheduled', scheduleExpression: 'rate(1 day)' });
    await h.rules.putTargets('scheduled', undefined, [{ id: 't', arn: lambdaArn('scheduled') }]);
    expect(h.bus.putEvents([orderEntry]).failedEntryCount).toBe(0);
    await h.settle();
    expect(h.delivery.delivered).toEqual([]);
  });

  it('matches every rule that matches, each to its targets, with Input and InputPath', async () => {
    const h = await harness();
    await h.rules.putRule({ name: 'all-orders', eventPattern: '{"source":["shop.orders"]}' });
    await h.rules.putTargets('all-orders', undefined, [
      { id: 'detail', arn: lambdaArn('detail'), inputPath: '$.detail' },
      { id: 'fixed', arn: lambdaArn('fixed'), input: '"constant"' },
    ]);
    await patternRule(h, 'euro', { detail: { currency: ['EUR'] } });
    h.bus.putEvents([orderEntry]);
    await h.settle();
    const got = Object.fromEntries(h.delivery.delivered.map((d) => [d.functionArn.split(':').pop(), d.payload]));
    expect(got.detail).toEqual({ total: 42, currency: 'EUR' });
    expect(got.fixed).toBe('constant');
    expect((got.euro as { source: string }).source).toBe('shop.orders');
  });

  it('answers each entry: an EventId, or AWS error codes for what it refuses', async () => {
    const h = await harness();
    const result = h.bus.putEvents([
      orderEntry,
      { detailType: 'x', detail: '{}' },
      { source: 's', detail: '{}' },
      { source: 's', detailType: 'x' },
      { source: 's', detailType: 'x', detail: 'not json' },
      { source: 's', detailType: 'x', detail: '[1,2]' },
      { source: 'aws.ec2', detailType: 'x', detail: '{}' },
      { ...orderEntry, eventBusName: 'no-such-bus' },
    ]);
    expect(result.failedEntryCount).toBe(6);
    expect(result.entries).toEqual([
      { eventId: expect.any(String) },
      { errorCode: 'InvalidArgument', errorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.' },
      { errorCode: 'InvalidArgument', errorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.' },
      { errorCode: 'InvalidArgument', errorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.' },
      { errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' },
      { errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' },
      { errorCode: 'NotAuthorizedForSourceException', errorMessage: 'Not authorized for the source.' },
      { eventId: expect.any(String) },
    ]);
  });

  it('refuses an empty, oversized or too-long request as a whole', async () => {
    const h = await harness();
    expect(() => h.bus.putEvents([])).toThrow(ValidationException);
    expect(() => h.bus.putEvents(Array.from({ length: 11 }, () => orderEntry))).toThrow(ValidationException);
    const big = { ...orderEntry, detail: JSON.stringify({ pad: 'x'.repeat(256 * 1024) }) };
    expect(() => h.bus.putEvents([big])).toThrow('Total size of the entries in the request is over the limit.');
  });
});

describe('EventBus.testEventPattern', () => {
  const event = JSON.stringify({ id: '1', account: '1', source: 'a', time: 't', region: 'r', resources: [], 'detail-type': 'd', detail: { n: 3 } });
  it('matches a full event against a pattern', async () => {
    const h = await harness();
    expect(h.bus.testEventPattern('{"detail":{"n":[{"numeric":[">",2]}]}}', event)).toBe(true);
    expect(h.bus.testEventPattern('{"source":["b"]}', event)).toBe(false);
    expect(() => h.bus.testEventPattern('{"source":"b"}', event)).toThrow(InvalidEventPatternException);
    expect(() => h.bus.testEventPattern('{"source":["b"]}', '{"source":"a"}')).toThrow('Parameter Event is not valid. Reason: Provided Event is missing required field: id');
    expect(() => h.bus.testEventPattern('{"source":["b"]}', 'nope')).toThrow('Parameter Event is not valid.');
  });
});
