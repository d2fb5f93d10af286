/**
 * Ready runtimes for a language runtime that no function used when the server started.
 * The start-up probe arms only the runtimes functions use (each ready sandbox holds a booted
 * interpreter: ~40 MB of Node), so the first function of another runtime, created while the
 * server runs, used to meet the ordinary cold start at its first invoke (Init Duration ~35 ms
 * against ~3 ms): the demo every new user runs. When such a function's version becomes
 * Active, its runtime is probed once here, as at start-up, which arms it: the probe's start
 * keeps that runtime stocked, its ready sandboxes boot at once, and they are ready before a
 * caller that reads the CreateFunction answer and then invokes. The probe also tells, in
 * the log, whether the runtime starts in the sandbox at all.
 *
 * Why it waits {@link ARM_AFTER_MS} first: a caller that invokes the moment the function is
 * Active arms the runtime by its own start, as before; a probe beside that start took CPU
 * from it (first invoke 57–60 → 66–78 ms on the 2-core bench machine). The probe is left
 * out when that happened.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Runtime } from '../core/limits.js';
import type { ProbeResult } from './runtime-probe.js';

/** How long after a version became Active its runtime is probed, unless a start armed it first. */
export const ARM_AFTER_MS = 150;

export interface RuntimeArmingDeps {
  /** Whether the driver keeps ready runtimes at all (`--ready-sandboxes` above 0). */
  enabled: boolean;
  /** Whether the driver has ready runtimes of `runtime` already, or is booting them. */
  armed(runtime: Runtime): boolean;
  /** Probes `runtime` as the start-up probe does, with its ready runtimes kept. */
  probe(runtime: Runtime): Promise<ProbeResult[]>;
  /** Resolves once the start-up probe is done (or at once when none runs): arming waits for it, not beside it. */
  startupProbe(): Promise<unknown>;
  report(results: ProbeResult[]): void;
  /** {@link ARM_AFTER_MS} unless given (tests). */
  armAfterMs?: number;
  fail(err: unknown, runtime: Runtime): void;
}

export class RuntimeArming {
  private readonly asked = new Set<Runtime>();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly deps: RuntimeArmingDeps) {}

  /** A version of `runtime` became Active: arms the runtime once, in the background, unless it is armed. */
  arm(runtime: Runtime): void {
    if (!this.deps.enabled || this.closed || this.asked.has(runtime) || this.deps.armed(runtime)) return;
    this.asked.add(runtime);
    this.queue = this.queue
      .then(() => this.deps.startupProbe())
      .then(() => sleep(this.deps.armAfterMs ?? ARM_AFTER_MS, undefined, { ref: false }))
      .then(async () => {
        if (this.closed || this.deps.armed(runtime)) return;
        this.deps.report(await this.deps.probe(runtime));
      })
      .catch((err: unknown) => this.deps.fail(err, runtime));
  }

  /** No more arming; resolves once a probe in progress has ended (it runs on the driver the server closes next). */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
  }
}
