/**
 * A runtime's stdout and stderr as lines, for every driver: the pipes are split into lines
 * for `onOutput`, `drain` waits for what the runtime wrote before an invocation ended, and
 * `settleAfterClose` holds an exit back until every line has been delivered.
 */
import type { HostChild } from './host-spawner.js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { LineSplitter } from './line-splitter.js';
import type { SandboxSpec } from './sandbox-driver.js';

/** How long to wait for the output pipes to close after the sandbox's process exited. */
const PIPE_CLOSE_WAIT_MS = 200;
/** Upper bound of event-loop turns `drain` waits for data still in the pipes. */
const MAX_DRAIN_TURNS = 64;

export class RuntimeOutput {
  private readonly splitters: LineSplitter[];
  /** Bytes received from both pipes; `drain` waits until it stops moving. */
  private received = 0;

  constructor(child: HostChild, onOutput: SandboxSpec['onOutput']) {
    const out = new LineSplitter((line) => onOutput(line, 'stdout'));
    const err = new LineSplitter((line) => onOutput(line, 'stderr'));
    this.splitters = [out, err];
    child.stdout!.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      out.push(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      err.push(chunk);
    });
  }

  /**
   * Data written before the runtime's last HTTP request is already in the pipes; it is
   * delivered within the same poll phase or a following one. Waits turns of the event loop
   * until a whole turn brings nothing new, then delivers a partial last line too.
   */
  async drain(): Promise<void> {
    for (let i = 0; i < MAX_DRAIN_TURNS; i++) {
      const before = this.received;
      await nextTurn();
      if (this.received === before) break;
    }
    this.flush();
  }

  flush(): void {
    for (const s of this.splitters) s.flush();
  }

  /**
   * Calls `settle` once, after the child's 'close' (both pipes at EOF, so every line has
   * been delivered), flushing first. A descendant that escaped can hold the pipes open, so
   * it does not wait for them forever.
   */
  settleAfterClose(child: HostChild, settle: () => void): void {
    let done = false;
    const once = () => {
      if (done) return;
      done = true;
      this.flush();
      settle();
    };
    const timer = setTimeout(once, PIPE_CLOSE_WAIT_MS);
    child.once('close', () => {
      clearTimeout(timer);
      once();
    });
  }
}
