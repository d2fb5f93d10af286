/**
 * What the control plane needs to know about runtimes before a version may become Active:
 * whether its runtime can run on this host now, will once installed, or cannot at all. The
 * server gives it the sandbox's runtime provider; without one every runtime counts as ready.
 */
import type { Runtime } from '../core/limits.js';

export type RuntimeReadiness = { kind: 'ready' } | { kind: 'installing'; reason: string } | { kind: 'unavailable'; reason: string };

export interface RuntimeAvailability {
  readiness(runtime: Runtime): RuntimeReadiness;
  /** Installs what the runtime lacks; rejects with an error whose message says why it could not. */
  prepare(runtime: Runtime): Promise<void>;
  /**
   * Told when a version of the runtime became Active or finished an update: the host may
   * make ready what that version's first start needs (the sandbox driver's ready runtimes).
   */
  activated?(runtime: Runtime): void;
}
