/**
 * A version waits for its runtime: Pending (or InProgress) with a reason while it installs,
 * Active once installed, Failed with AWS's reason code when it cannot run here. The
 * availability is a test double whose install the test finishes by hand; FunctionService
 * and its stores are real.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidRuntimeException } from '../core/errors.js';
import type { Runtime } from '../core/limits.js';
import { Deferred } from '../core/primitives.js';
import type { RuntimeAvailability, RuntimeReadiness } from './runtime-availability.js';
import { failure, handlerZip, nodeFunction, openFunctionFixture, settle, type FunctionFixture } from '../../test/helpers/functions.js';

class ManualRuntimes implements RuntimeAvailability {
  readonly installs = new Map<Runtime, Deferred<void>>();
  readonly ready = new Set<Runtime>(['nodejs20.x']);

  readiness(runtime: Runtime): RuntimeReadiness {
    if (runtime === 'python3.12') return { kind: 'unavailable', reason: 'no python3.12 here' };
    return this.ready.has(runtime) ? { kind: 'ready' } : { kind: 'installing', reason: `installing ${runtime}` };
  }

  prepare(runtime: Runtime): Promise<void> {
    let d = this.installs.get(runtime);
    if (!d) {
      d = new Deferred<void>();
      this.installs.set(runtime, d);
      void d.promise.then(() => this.ready.add(runtime), () => undefined);
    }
    return d.promise;
  }
}

describe('versions wait for their runtime', () => {
  let fixture: FunctionFixture;
  afterEach(() => fixture.close());

  async function open(runtimes: ManualRuntimes) {
    fixture = await openFunctionFixture({ startMs: 0, runtimes });
    return fixture.functions;
  }

  it('stays Pending with the reason while the runtime installs, then becomes Active', async () => {
    const runtimes = new ManualRuntimes();
    const functions = await open(runtimes);
    await functions.createFunction({ ...nodeFunction('f', await handlerZip()), runtime: 'nodejs22.x' });
    await settle();
    expect(functions.getVersionSync('f', '$LATEST')).toMatchObject({ state: 'Pending', stateReason: 'installing nodejs22.x', stateReasonCode: 'Creating' });
    expect(await failure(functions.updateFunctionConfiguration({ functionName: 'f', timeout: 9 }))).toMatchObject({ type: 'ResourceConflictException' });
    runtimes.installs.get('nodejs22.x')!.resolve();
    await settle();
    const active = functions.getVersionSync('f', '$LATEST')!;
    expect(active.state).toBe('Active');
    expect(active.stateReason).toBeUndefined();
  });

  it('goes Failed with InvalidRuntime when the runtime cannot run here, and InternalError when its install fails', async () => {
    const runtimes = new ManualRuntimes();
    const functions = await open(runtimes);
    await functions.createFunction({ ...nodeFunction('py', await handlerZip()), runtime: 'python3.12', handler: 'app.handler' });
    await settle();
    expect(functions.getVersionSync('py', '$LATEST')).toMatchObject({ state: 'Failed', stateReasonCode: 'InvalidRuntime', stateReason: 'no python3.12 here', lastUpdateStatus: 'Failed' });

    await functions.createFunction({ ...nodeFunction('n', await handlerZip()), runtime: 'nodejs24.x' });
    await settle();
    runtimes.installs.get('nodejs24.x')!.reject(new Error('the registry did not answer'));
    await settle();
    expect(functions.getVersionSync('n', '$LATEST')).toMatchObject({ state: 'Failed', stateReasonCode: 'InternalError', stateReason: 'Gust could not install the runtime nodejs24.x: the registry did not answer' });
  });

  it('an update to a runtime that is installing stays InProgress; one that turns out unobtainable ends Failed, the function Active', async () => {
    const runtimes = new ManualRuntimes();
    const functions = await open(runtimes);
    await functions.createFunction(nodeFunction('u', await handlerZip()));
    await settle();
    await functions.updateFunctionConfiguration({ functionName: 'u', runtime: 'nodejs18.x' });
    await settle();
    expect(functions.getVersionSync('u', '$LATEST')).toMatchObject({ state: 'Active', lastUpdateStatus: 'InProgress', lastUpdateStatusReason: 'installing nodejs18.x' });
    runtimes.installs.get('nodejs18.x')!.reject(new InvalidRuntimeException('nodejs18.x has no binary for this machine'));
    await settle();
    expect(functions.getVersionSync('u', '$LATEST')).toMatchObject({
      state: 'Active',
      lastUpdateStatus: 'Failed',
      lastUpdateStatusReasonCode: 'InvalidRuntime',
      lastUpdateStatusReason: 'nodejs18.x has no binary for this machine',
    });
  });
});
