/**
 * A log stream: where one execution environment's lines go, as on AWS where each
 * environment writes its own stream in the function's log group. Every line is stamped and
 * handed to the sink (the LogStore, which buffers), and also to the tail of the invocation
 * in progress when its caller asked for one.
 */
import type { Clock } from '../core/clock.js';
import type { LogEvent } from '../core/model/logs.js';
import type { LogTail } from './log-tail.js';

/** Where log events go; the LogStore is one. */
export interface LogSink {
  /** Takes the events and returns at once: the invoke path writes through it. */
  append(events: readonly LogEvent[]): void;
}

export class LogStream {
  private tail: LogTail | undefined;

  constructor(
    private readonly sink: LogSink,
    private readonly clock: Clock,
    readonly logGroup: string,
    readonly logStream: string,
  ) {}

  /** Writes one line (without its newline). */
  write(message: string, timestamp: number = this.clock.now()): void {
    const event: LogEvent = { logGroup: this.logGroup, logStream: this.logStream, timestamp, message };
    this.sink.append([event]);
    this.tail?.push(message);
  }

  /**
   * Also copies every line into `tail` until {@link endTail}. One invocation at a time per
   * environment means one tail at a time per stream.
   */
  beginTail(tail: LogTail | undefined): void {
    this.tail = tail;
  }

  endTail(): void {
    this.tail = undefined;
  }
}
