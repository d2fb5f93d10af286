import { describe, expect, it } from 'vitest';
import type { Runtime } from '../core/limits.js';
import { RuntimeArming, type RuntimeArmingDeps } from './runtime-arming.js';
import type { ProbeResult } from './runtime-probe.js';
import { waitUntil } from '../../test/helpers/wait.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Deps that record what the arming asked: probes made, results reported, failures. */
function recording(overrides: Partial<RuntimeArmingDeps> = {}) {
  const probed: Runtime[] = [];
  const reported: ProbeResult[][] = [];
  const failed: Runtime[] = [];
  const armedNow = new Set<Runtime>();
  const deps: RuntimeArmingDeps = {
    enabled: true,
    armed: (runtime) => armedNow.has(runtime),
    probe: async (runtime) => {
      probed.push(runtime);
      armedNow.add(runtime);
      return [{ runtime, ok: true, initMs: 1 }];
    },
    startupProbe: () => Promise.resolve(),
    report: (results) => reported.push(results),
    fail: (_err, runtime) => failed.push(runtime),
    armAfterMs: 10,
    ...overrides,
  };
  return { deps, probed, reported, failed, armedNow };
}

describe('RuntimeArming', () => {
  it('probes a runtime once however many of its versions become Active, and reports what the probe found', async () => {
    const r = recording();
    const arming = new RuntimeArming(r.deps);
    arming.arm('python3.11');
    arming.arm('python3.11');
    arming.arm('nodejs20.x');
    await waitUntil(() => r.reported.length === 2);
    expect(r.probed).toEqual(['python3.11', 'nodejs20.x']);
    expect(r.reported.map((results) => results.map((x) => x.runtime))).toEqual([['python3.11'], ['nodejs20.x']]);
    arming.arm('python3.11');
    // Closed, it probes nothing more.
    await arming.close();
    arming.arm('python3.12');
    await sleep(30);
    expect(r.probed).toEqual(['python3.11', 'nodejs20.x']);
  });

  it('leaves the probe out when a start armed the runtime while it waited, and when it was armed already', async () => {
    const r = recording({ armAfterMs: 50 });
    const arming = new RuntimeArming(r.deps);
    r.armedNow.add('nodejs20.x');
    arming.arm('nodejs20.x');
    arming.arm('python3.11');
    // An invoke's cold start arms it during the wait.
    r.armedNow.add('python3.11');
    // Runtimes are armed in turn: once a later one is probed, the two before it were passed over.
    arming.arm('python3.12');
    await waitUntil(() => r.reported.length === 1);
    expect(r.probed).toEqual(['python3.12']);
    expect(r.failed).toEqual([]);
  });

  it('waits for the start-up probe, and probes nothing when ready runtimes are off', async () => {
    let startupDone!: () => void;
    const startup = new Promise<void>((resolve) => (startupDone = resolve));
    const r = recording({ startupProbe: () => startup });
    const arming = new RuntimeArming(r.deps);
    arming.arm('python3.11');
    await sleep(40);
    expect(r.probed).toEqual([]);
    startupDone();
    await waitUntil(() => r.reported.length === 1);
    expect(r.probed).toEqual(['python3.11']);

    const off = recording({ enabled: false });
    const none = new RuntimeArming(off.deps);
    none.arm('python3.11');
    await none.close();
    expect(off.probed).toEqual([]);
  });

  it('a probe that fails is told once, is not made again at the next version, and does not stop the next runtime', async () => {
    let attempts = 0;
    const r = recording({
      probe: async (runtime) => {
        if (runtime === 'python3.11') {
          attempts++;
          throw new Error('no interpreter');
        }
        return [{ runtime, ok: true }];
      },
    });
    const arming = new RuntimeArming(r.deps);
    arming.arm('python3.11');
    arming.arm('nodejs20.x');
    await waitUntil(() => r.reported.length === 1);
    arming.arm('python3.11');
    await sleep(40);
    expect(attempts).toBe(1);
    expect(r.failed).toEqual(['python3.11']);
    expect(r.reported.map((results) => results[0]!.runtime)).toEqual(['nodejs20.x']);
  });
});
