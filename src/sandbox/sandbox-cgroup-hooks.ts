/**
 * The cgroup side of a {@link Sandbox} that the process and namespace sandboxes share:
 * peak memory (from the memory cgroup, else from /proc), Lambda's CPU share once the
 * runtime is ready, and the freezer between invocations.
 */
import type { EnvironmentCgroup } from './cgroups/index.js';
import { PeakMemoryMeter } from './process-tree.js';
import type { Sandbox } from './sandbox-driver.js';

/** Where the sandbox is in its life: what the hooks may still touch depends on it. */
export type SandboxPhase = 'running' | 'stopping' | 'exited';

export interface SandboxCgroupHooksOptions {
  /** The environment's cgroup, if the server has cgroups. */
  cgroup: EnvironmentCgroup | undefined;
  /** Whether the cgroup measures memory; else /proc does, from {@link meterRoot} down. */
  memoryFromCgroup: boolean;
  /** Host pid the /proc fallback measures from; undefined while it is not known yet. */
  meterRoot: () => number | undefined;
  /** MemorySize, for the CPU share. */
  memoryMb: number;
  phase: () => SandboxPhase;
}

export class SandboxCgroupHooks implements Required<Pick<Sandbox, 'peakMemoryBytes' | 'resetPeakMemory' | 'runtimeReady' | 'freeze' | 'thaw'>> {
  private meter: PeakMemoryMeter | undefined;

  constructor(private readonly options: SandboxCgroupHooksOptions) {}

  peakMemoryBytes(): number {
    // The cgroup still answers after an exit (an OOM kill reports its peak); /proc does not.
    if (this.options.memoryFromCgroup) return this.options.cgroup!.peakMemoryBytes();
    if (this.options.phase() === 'exited') return 0;
    return this.memoryMeter()?.peakBytes() ?? 0;
  }

  resetPeakMemory(): void {
    if (this.options.memoryFromCgroup) this.options.cgroup!.resetPeakMemory();
    else if (this.options.phase() !== 'exited') this.memoryMeter()?.reset();
  }

  async runtimeReady(): Promise<void> {
    if (this.options.phase() !== 'exited') await this.options.cgroup?.applyCpuShare(this.options.memoryMb);
  }

  async freeze(): Promise<void> {
    if (this.options.phase() === 'running') await this.options.cgroup?.freeze();
  }

  async thaw(): Promise<void> {
    await this.options.cgroup?.thaw();
  }

  /** Releases the /proc meter's open files; called once the sandbox exited. */
  close(): void {
    this.meter?.close();
  }

  private memoryMeter(): PeakMemoryMeter | undefined {
    if (!this.meter) {
      const root = this.options.meterRoot();
      if (root !== undefined) this.meter = new PeakMemoryMeter(root);
    }
    return this.meter;
  }
}
