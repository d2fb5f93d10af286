/**
 * What the process and namespace sandboxes share beyond their processes: each makes its
 * cgroup hooks (peak memory, the CPU share once ready, the freezer) and its output reader in
 * its constructor, and this base answers the {@link Sandbox} calls that only pass on to them.
 */
import type { RuntimeOutput } from './runtime-output.js';
import type { SandboxCgroupHooks } from './sandbox-cgroup-hooks.js';
import type { Sandbox } from './sandbox-driver.js';

export abstract class HookedSandbox implements Required<Pick<Sandbox, 'peakMemoryBytes' | 'resetPeakMemory' | 'runtimeReady' | 'freeze' | 'thaw' | 'drainOutput'>> {
  protected abstract readonly hooks: SandboxCgroupHooks;
  protected abstract readonly output: RuntimeOutput;

  peakMemoryBytes(): number {
    return this.hooks.peakMemoryBytes();
  }

  resetPeakMemory(): void {
    this.hooks.resetPeakMemory();
  }

  runtimeReady(): Promise<void> {
    return this.hooks.runtimeReady();
  }

  freeze(): Promise<void> {
    return this.hooks.freeze();
  }

  thaw(): Promise<void> {
    return this.hooks.thaw();
  }

  drainOutput(): Promise<void> {
    return this.output.drain();
  }
}
