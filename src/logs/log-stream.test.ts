import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import type { LogEvent } from '../core/model/logs.js';
import { LogStream } from './log-stream.js';
import { LogTail } from './log-tail.js';

describe('LogStream', () => {
  it('stamps lines with the clock and copies them into the tail only while one is open', () => {
    const events: LogEvent[] = [];
    const clock = new ManualClock(5000);
    const stream = new LogStream({ append: (e) => events.push(...e) }, clock, '/aws/lambda/f', '2026/01/01/[$LATEST]ab');
    stream.write('before');
    const tail = new LogTail();
    stream.beginTail(tail);
    clock.advance(1);
    stream.write('during');
    stream.endTail();
    stream.write('after');
    expect(events).toEqual([
      { logGroup: '/aws/lambda/f', logStream: '2026/01/01/[$LATEST]ab', timestamp: 5000, message: 'before' },
      { logGroup: '/aws/lambda/f', logStream: '2026/01/01/[$LATEST]ab', timestamp: 5001, message: 'during' },
      { logGroup: '/aws/lambda/f', logStream: '2026/01/01/[$LATEST]ab', timestamp: 5001, message: 'after' },
    ]);
    expect(tail.text()).toBe('during\n');
  });
});
