/**
 * Reserved concurrency (Put/Get/DeleteFunctionConcurrency) and the account view of it
 * (GetAccountSettings). Reservations may not eat into the 100 executions Lambda keeps
 * unreserved for functions without one.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
 */
import { InvalidParameterValueException, validationError } from '../core/errors.js';
import { LIMITS } from '../core/limits.js';
import type { FunctionRecord } from '../core/model/functions.js';
import type { ControlCore } from './function-core.js';

/** Lambda's default code-storage quota per region (75 GB). */
export const TOTAL_CODE_SIZE_LIMIT = 80_530_636_800;

export interface AccountSettings {
  accountLimit: {
    totalCodeSize: number;
    codeSizeUnzipped: number;
    codeSizeZipped: number;
    concurrentExecutions: number;
    unreservedConcurrentExecutions: number;
  };
  accountUsage: { totalCodeSize: number; functionCount: number };
}

function reservedElsewhere(core: ControlCore, name: string): number {
  return core.registry.records().reduce((sum, r) => sum + (r.name === name ? 0 : (r.reservedConcurrency ?? 0)), 0);
}

export async function putConcurrency(core: ControlCore, name: string, reserved: number): Promise<number> {
  if (reserved < 0) throw validationError(reserved, 'reservedConcurrentExecutions', 'Member must have value greater than or equal to 0');
  core.requireFunction(name, '$LATEST');
  // Checked and written under one account-wide lock: two functions reserving at once
  // must not both pass the check.
  return core.accountLock.run(() =>
    core.locks.run(name, async () => {
      const record = core.requireFunction(name, '$LATEST');
      const unreservedAfter = core.accountConcurrencyLimit - reservedElsewhere(core, name) - reserved;
      if (unreservedAfter < LIMITS.unreservedConcurrencyMinimum) {
        throw new InvalidParameterValueException(
          `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${LIMITS.unreservedConcurrencyMinimum}].`,
        );
      }
      const next: FunctionRecord = { ...record, reservedConcurrency: reserved };
      await core.commit(name, [{ kind: 'putFunction', record: next }], { kind: 'concurrency' });
      return reserved;
    }),
  );
}

export function getConcurrency(core: ControlCore, name: string): number | undefined {
  return core.requireFunction(name).reservedConcurrency;
}

export async function deleteConcurrency(core: ControlCore, name: string): Promise<void> {
  core.requireFunction(name);
  await core.accountLock.run(() =>
    core.locks.run(name, async () => {
      const { reservedConcurrency: _dropped, ...rest } = core.requireFunction(name);
      await core.commit(name, [{ kind: 'putFunction', record: rest }], { kind: 'concurrency' });
    }),
  );
}

/** Limits and usage; code size counts every function version and every layer version, as Lambda does. */
export async function getAccountSettings(core: ControlCore): Promise<AccountSettings> {
  const records = core.registry.records();
  let totalCodeSize = 0;
  for (const record of records) {
    for (const version of core.registry.versions(record.name)) totalCodeSize += version.codeSize;
  }
  const store = core.deps.store;
  for (const layerName of await store.listLayerNames()) {
    for (const layer of await store.listLayerVersions(layerName)) totalCodeSize += layer.codeSize;
  }
  const reserved = records.reduce((sum, r) => sum + (r.reservedConcurrency ?? 0), 0);
  return {
    accountLimit: {
      totalCodeSize: TOTAL_CODE_SIZE_LIMIT,
      codeSizeUnzipped: LIMITS.unzippedCodeBytes,
      codeSizeZipped: LIMITS.zippedCodeBytes,
      concurrentExecutions: core.accountConcurrencyLimit,
      unreservedConcurrentExecutions: core.accountConcurrencyLimit - reserved,
    },
    accountUsage: { totalCodeSize, functionCount: records.length },
  };
}
