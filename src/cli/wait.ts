/**
 * Waits for a function to settle after a write, as `aws lambda wait function-active-v2`
 * and `function-updated-v2` do. Hand-written rather than the SDK's waiters: those retry
 * on every error (an unreachable server would spin until the deadline) and poll no
 * faster than once a second, while a local Gust usually settles in milliseconds.
 */
import { GetFunctionConfigurationCommand, type FunctionConfiguration, type LambdaClient } from '@aws-sdk/client-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from './output.js';

export type WaitFor = 'active' | 'updated';

/** Polls until State is Active (`active`) or LastUpdateStatus is Successful (`updated`). */
export async function waitForFunction(lambda: LambdaClient, name: string, waitFor: WaitFor, timeoutMs = 120_000): Promise<FunctionConfiguration> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    if (config.State === 'Failed') {
      throw new CliError(`${name} failed: ${config.StateReason ?? config.StateReasonCode ?? 'no reason given'}`);
    }
    if (waitFor === 'updated' && config.LastUpdateStatus === 'Failed') {
      throw new CliError(`updating ${name} failed: ${config.LastUpdateStatusReason ?? config.LastUpdateStatusReasonCode ?? 'no reason given'}`);
    }
    // A server that does not report the field has nothing to wait for.
    const done = waitFor === 'active'
      ? config.State === 'Active' || config.State === undefined
      : config.LastUpdateStatus === 'Successful' || config.LastUpdateStatus === undefined;
    if (done) return config;
    if (Date.now() + delay > deadline) {
      throw new CliError(`${name} did not become ${waitFor === 'active' ? 'Active' : 'updated'} within ${Math.round(timeoutMs / 1000)} s`);
    }
    await sleep(delay);
  }
}
