/**
 * Reserved concurrency (Put/Get/DeleteFunctionConcurrency) and the account view of it
 * (GetAccountSettings). Reservations, and the provisioned concurrency of functions without
 * one, may not eat into the 100 executions Lambda keeps unreserved; a reservation must hold
 * the function's provisioned concurrency.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
 */
import { InvalidParameterValueException, validationError } from '../core/errors.js';
import { LIMITS } from '../core/limits.js';
import type { FunctionRecord } from '../core/model/functions.js';
import { DEFAULT_CODE_STORAGE_BYTES } from './code-storage.js';
import type { ControlCore } from './function-core.js';
import { claimedConcurrency, provisionedTotal } from './function-provisioned.js';

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

export async function putConcurrency(core: ControlCore, name: string, reserved: number): Promise<number> {
  if (reserved < 0) throw validationError(reserved, 'reservedConcurrentExecutions', 'Member must have value greater than or equal to 0');
  core.requireFunction(name, '$LATEST');
  // Checked and written under one account-wide lock: two functions reserving at once
  // must not both pass the check.
  return core.accountLock.run(() =>
    core.locks.run(name, async () => {
      const record = core.requireFunction(name, '$LATEST');
      const provisioned = provisionedTotal(core, name);
      if (reserved < provisioned) {
        throw new InvalidParameterValueException(
          `Specified ReservedConcurrentExecutions for function is less than the function's provisioned concurrency [${provisioned}]; lower or delete its provisioned concurrency first.`,
        );
      }
      const unreservedAfter = core.accountConcurrencyLimit - claimedConcurrency(core, { name, reserved });
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

/**
 * Limits and usage. Usage counts the zip of every function version and every layer
 * version, as Lambda does (a package shared by ten versions counts ten times); the limit is
 * the code storage limit, which Gust enforces on what it really stores (see CodeStorage).
 */
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
  return {
    accountLimit: {
      totalCodeSize: core.deps.code?.limitBytes ?? DEFAULT_CODE_STORAGE_BYTES,
      codeSizeUnzipped: LIMITS.unzippedCodeBytes,
      codeSizeZipped: LIMITS.zippedCodeBytes,
      concurrentExecutions: core.accountConcurrencyLimit,
      // As AWS counts it: less every reservation and the provisioned concurrency outside them.
      unreservedConcurrentExecutions: core.accountConcurrencyLimit - claimedConcurrency(core),
    },
    accountUsage: { totalCodeSize, functionCount: records.length },
  };
}
