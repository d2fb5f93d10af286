/**
 * The behaviour every MetadataStore must have, as one vitest suite. Each implementation's
 * test file calls `runStoreContract` with a factory; the suite uses only the interface, so
 * SQLite today and PostgreSQL next are held to the same rules (see metadata-store.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidParameterValueException, ResourceNotFoundException } from '../core/errors.js';
import type { Alias, FunctionRecord, FunctionVersion } from '../core/model/functions.js';
import type { LayerVersion } from '../core/model/layers.js';
import type { ResourcePolicy } from '../core/model/policies.js';
import { StaleFunctionRecordError, type MetadataStore, type StoreWrite } from './metadata-store.js';

/** How the suite gets stores. */
export interface StoreFactory {
  /** A new, empty store. */
  create(): Promise<MetadataStore>;
  /**
   * The store last returned by `create`, opened again after it was closed. Without it the
   * persistence test is skipped (an in-memory implementation has nothing to reopen).
   */
  reopen?(): Promise<MetadataStore>;
}

/** A function record with test defaults. */
export function sampleFunction(name: string, over: Partial<FunctionRecord> = {}): FunctionRecord {
  return { name, createdAt: '2026-01-01T00:00:00.000Z', tags: { team: 'gust' }, nextVersion: 1, ...over };
}

/** A version with test defaults. */
export function sampleVersion(functionName: string, version: string, over: Partial<FunctionVersion> = {}): FunctionVersion {
  return {
    functionName,
    version,
    description: `version ${version}`,
    runtime: 'nodejs20.x',
    role: 'arn:aws:iam::123456789012:role/lambda',
    handler: 'index.handler',
    timeout: 3,
    memorySize: 128,
    ephemeralStorageMb: 512,
    environment: { A: '1' },
    layers: [],
    architectures: ['x86_64'],
    packageType: 'Zip',
    codeHash: 'a'.repeat(64),
    codeSha256: 'qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqo=',
    codeSize: 100,
    lastModified: '2026-01-01T00:00:00.000Z',
    revisionId: `rev-${functionName}-${version}`,
    state: 'Active',
    lastUpdateStatus: 'Successful',
    tracingMode: 'PassThrough',
    loggingConfig: { logFormat: 'Text', logGroup: `/aws/lambda/${functionName}` },
    ...over,
  };
}

/** An alias with test defaults. */
export function sampleAlias(functionName: string, name: string, over: Partial<Alias> = {}): Alias {
  return { functionName, name, functionVersion: '1', description: '', additionalVersionWeights: {}, revisionId: `rev-${name}`, ...over };
}

/** A layer version with test defaults. */
export function sampleLayer(layerName: string, version: number, over: Partial<LayerVersion> = {}): LayerVersion {
  return {
    layerName,
    version,
    description: `${layerName} v${version}`,
    compatibleRuntimes: ['nodejs20.x'],
    compatibleArchitectures: ['x86_64'],
    codeHash: 'b'.repeat(64),
    codeSha256: 'u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7s=',
    codeSize: 10,
    createdDate: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

/** Registers the contract suite under `name`. */
export function runStoreContract(name: string, factory: StoreFactory): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let store: MetadataStore;

    beforeEach(async () => {
      store = await factory.create();
    });
    afterEach(async () => {
      await store.close();
    });

    /** A function with `$LATEST`, the given published versions and aliases. */
    async function seed(fn: string, versions: string[] = [], aliases: string[] = []): Promise<void> {
      await store.putFunction(sampleFunction(fn));
      await store.putVersion(sampleVersion(fn, '$LATEST'));
      for (const v of versions) await store.putVersion(sampleVersion(fn, v));
      for (const a of aliases) await store.putAlias(sampleAlias(fn, a));
    }

    const names = (vs: FunctionVersion[]): string[] => vs.map((v) => `${v.functionName}:${v.version}`);

    describe('functions', () => {
      it('stores, reads back and replaces a function record', async () => {
        expect(await store.getFunction('f')).toBeUndefined();
        const record = sampleFunction('f', { reservedConcurrency: 5, tags: { a: 'b' } });
        await store.putFunction(record);
        expect(await store.getFunction('f')).toEqual(record);
        const updated = sampleFunction('f', { nextVersion: 7, tags: {} });
        await store.putFunction(updated);
        expect(await store.getFunction('f')).toEqual(updated);
      });

      it('keeps versions and aliases when the function record is replaced', async () => {
        await seed('f', ['1'], ['live']);
        await store.putFunction(sampleFunction('f', { nextVersion: 2 }));
        expect(names(await store.listVersions('f'))).toEqual(['f:$LATEST', 'f:1']);
        expect(await store.getAlias('f', 'live')).toEqual(sampleAlias('f', 'live'));
      });

      it("never lowers a function's nextVersion: a record with a lower one keeps the stored number", async () => {
        await store.putFunction(sampleFunction('f', { nextVersion: 4 }));
        await store.batch([{ kind: 'putFunction', record: sampleFunction('f', { nextVersion: 2, tags: { t: '1' } }) }]);
        expect(await store.getFunction('f')).toEqual(sampleFunction('f', { nextVersion: 4, tags: { t: '1' } }));
      });

      it('stores a guarded record only over the one its writer read, and nothing of its batch otherwise', async () => {
        await store.batch([{ kind: 'putFunction', record: sampleFunction('f'), expected: 'absent' }, { kind: 'putVersion', version: sampleVersion('f', '$LATEST') }]);
        await expect(store.batch([{ kind: 'putFunction', record: sampleFunction('f', { tags: { second: 'create' } }), expected: 'absent' }])).rejects.toBeInstanceOf(StaleFunctionRecordError);
        const next = (n: number) => sampleFunction('f', { nextVersion: n });
        await store.batch([{ kind: 'putFunction', record: next(2), expected: { nextVersion: 1 } }, { kind: 'putVersion', version: sampleVersion('f', '1') }]);
        // A second writer that numbered from the same record: refused, its version not stored.
        await expect(store.batch([{ kind: 'putFunction', record: next(2), expected: { nextVersion: 1 } }, { kind: 'putVersion', version: sampleVersion('f', '1', { description: 'other' }) }])).rejects.toBeInstanceOf(StaleFunctionRecordError);
        expect(await store.getFunction('f')).toEqual(next(2));
        expect(await store.getVersion('f', '1')).toEqual(sampleVersion('f', '1'));
        await expect(store.batch([{ kind: 'putFunction', record: sampleFunction('ghost', { nextVersion: 2 }), expected: { nextVersion: 1 } }])).rejects.toBeInstanceOf(StaleFunctionRecordError);
      });

      it('lists functions in code-unit order of their names', async () => {
        for (const n of ['b', 'A', 'a', 'B-1', '_x', 'a1']) await store.putFunction(sampleFunction(n));
        expect((await store.listFunctions()).map((f) => f.name)).toEqual(['A', 'B-1', '_x', 'a', 'a1', 'b']);
      });

      it('returns copies: changing a returned record changes nothing stored', async () => {
        await seed('f');
        const got = (await store.getFunction('f'))!;
        got.tags.mutated = 'yes';
        const version = (await store.getVersion('f', '$LATEST'))!;
        version.environment.B = '2';
        expect(await store.getFunction('f')).toEqual(sampleFunction('f'));
        expect(await store.getVersion('f', '$LATEST')).toEqual(sampleVersion('f', '$LATEST'));
      });

      it('deletes a function with all its versions and aliases, and nothing else', async () => {
        await seed('f', ['1', '2'], ['live', 'test']);
        await seed('g', ['1'], ['live']);
        await store.deleteFunction('f');
        expect(await store.getFunction('f')).toBeUndefined();
        expect(await store.listVersions('f')).toEqual([]);
        expect(await store.getVersion('f', '1')).toBeUndefined();
        expect(await store.listAliases('f')).toEqual([]);
        expect(names(await store.listAllVersions())).toEqual(['g:$LATEST', 'g:1']);
        expect((await store.listAliases('g')).map((a) => a.name)).toEqual(['live']);
        // A function created again under the same name starts empty.
        await store.putFunction(sampleFunction('f'));
        expect(await store.listVersions('f')).toEqual([]);
        expect(await store.listAliases('f')).toEqual([]);
      });

      it('treats deleting a missing function as a no-op', async () => {
        await expect(store.deleteFunction('nothing')).resolves.toBeUndefined();
      });
    });

    describe('versions', () => {
      it('stores, reads back and updates a version', async () => {
        await seed('f');
        expect(await store.getVersion('f', '1')).toBeUndefined();
        const v1 = sampleVersion('f', '1', { state: 'Pending', layers: [{ arn: 'arn:aws:lambda:us-east-1:123456789012:layer:l:1', codeSize: 1, codeHash: 'c'.repeat(64) }] });
        await store.putVersion(v1);
        expect(await store.getVersion('f', '1')).toEqual(v1);
        const active = { ...v1, state: 'Active' as const };
        await store.putVersion(active);
        expect(await store.getVersion('f', '1')).toEqual(active);
        expect(await store.listVersions('f')).toHaveLength(2);
      });

      it('lists $LATEST first, then published versions in numeric order', async () => {
        await store.putFunction(sampleFunction('f'));
        for (const v of ['10', '2', '$LATEST', '1', '100', '9']) await store.putVersion(sampleVersion('f', v));
        expect((await store.listVersions('f')).map((v) => v.version)).toEqual(['$LATEST', '1', '2', '9', '10', '100']);
      });

      it('lists all versions of all functions by function name, then version', async () => {
        await seed('g', ['10', '9']);
        await seed('F', ['2']);
        await seed('f', ['1']);
        expect(names(await store.listAllVersions())).toEqual(['F:$LATEST', 'F:2', 'f:$LATEST', 'f:1', 'g:$LATEST', 'g:9', 'g:10']);
      });

      it('deletes one version, leaving the others', async () => {
        await seed('f', ['1', '2']);
        await store.deleteVersion('f', '1');
        expect(await store.getVersion('f', '1')).toBeUndefined();
        expect((await store.listVersions('f')).map((v) => v.version)).toEqual(['$LATEST', '2']);
        await expect(store.deleteVersion('f', '1')).resolves.toBeUndefined();
        await expect(store.deleteVersion('nothing', '1')).resolves.toBeUndefined();
      });

      it('refuses a version of a function that is not stored', async () => {
        await expect(store.putVersion(sampleVersion('ghost', '$LATEST'))).rejects.toBeInstanceOf(ResourceNotFoundException);
        expect(await store.listAllVersions()).toEqual([]);
      });

      it('refuses a version that is neither $LATEST nor a number', async () => {
        await seed('f');
        for (const bad of ['latest', '01', '1.5', '-1', '0']) {
          await expect(store.putVersion(sampleVersion('f', bad))).rejects.toBeInstanceOf(InvalidParameterValueException);
        }
        expect((await store.listVersions('f')).map((v) => v.version)).toEqual(['$LATEST']);
      });

      it('gives an empty list for a function without versions', async () => {
        expect(await store.listVersions('nothing')).toEqual([]);
      });
    });

    describe('aliases', () => {
      it('stores, reads back, updates and deletes an alias', async () => {
        await seed('f', ['1', '2']);
        expect(await store.getAlias('f', 'live')).toBeUndefined();
        const live = sampleAlias('f', 'live', { additionalVersionWeights: { '2': 0.25 }, description: 'canary' });
        await store.putAlias(live);
        expect(await store.getAlias('f', 'live')).toEqual(live);
        const moved = { ...live, functionVersion: '2', additionalVersionWeights: {}, revisionId: 'r2' };
        await store.putAlias(moved);
        expect(await store.getAlias('f', 'live')).toEqual(moved);
        await store.deleteAlias('f', 'live');
        expect(await store.getAlias('f', 'live')).toBeUndefined();
        await expect(store.deleteAlias('f', 'live')).resolves.toBeUndefined();
      });

      it('lists the aliases of one function in code-unit order', async () => {
        await seed('f', ['1'], ['prod', 'Beta', 'alpha', 'dev']);
        await seed('g', ['1'], ['other']);
        expect((await store.listAliases('f')).map((a) => a.name)).toEqual(['Beta', 'alpha', 'dev', 'prod']);
        expect(await store.listAliases('nothing')).toEqual([]);
      });

      it('refuses an alias of a function that is not stored', async () => {
        await expect(store.putAlias(sampleAlias('ghost', 'live'))).rejects.toBeInstanceOf(ResourceNotFoundException);
      });
    });

    describe('layers', () => {
      it('numbers the versions of each layer from 1, independently', async () => {
        expect(await store.nextLayerVersionNumber('a')).toBe(1);
        expect(await store.nextLayerVersionNumber('a')).toBe(2);
        expect(await store.nextLayerVersionNumber('b')).toBe(1);
        expect(await store.nextLayerVersionNumber('a')).toBe(3);
      });

      it('stores, reads back, lists newest first and deletes layer versions', async () => {
        for (let i = 0; i < 3; i++) {
          const n = await store.nextLayerVersionNumber('lib');
          await store.putLayerVersion(sampleLayer('lib', n, i === 1 ? { licenseInfo: 'MIT' } : {}));
        }
        expect(await store.getLayerVersion('lib', 2)).toEqual(sampleLayer('lib', 2, { licenseInfo: 'MIT' }));
        expect(await store.getLayerVersion('lib', 4)).toBeUndefined();
        expect((await store.listLayerVersions('lib')).map((l) => l.version)).toEqual([3, 2, 1]);
        await store.deleteLayerVersion('lib', 2);
        expect(await store.getLayerVersion('lib', 2)).toBeUndefined();
        expect((await store.listLayerVersions('lib')).map((l) => l.version)).toEqual([3, 1]);
        await expect(store.deleteLayerVersion('lib', 2)).resolves.toBeUndefined();
        expect(await store.listLayerVersions('nothing')).toEqual([]);
      });

      it('orders layer versions numerically', async () => {
        for (const n of [1, 2, 9, 10, 11]) await store.putLayerVersion(sampleLayer('lib', n));
        expect((await store.listLayerVersions('lib')).map((l) => l.version)).toEqual([11, 10, 9, 2, 1]);
      });

      it('never reuses a layer version number, even after every version is deleted', async () => {
        const one = await store.nextLayerVersionNumber('lib');
        const two = await store.nextLayerVersionNumber('lib');
        await store.putLayerVersion(sampleLayer('lib', one));
        await store.putLayerVersion(sampleLayer('lib', two));
        await store.deleteLayerVersion('lib', two);
        expect(await store.nextLayerVersionNumber('lib')).toBe(3);
        await store.deleteLayerVersion('lib', one);
        await store.deleteLayerVersion('lib', 3);
        expect(await store.listLayerNames()).toEqual([]);
        expect(await store.nextLayerVersionNumber('lib')).toBe(4);
      });

      it('counts a number given to putLayerVersion as used', async () => {
        await store.putLayerVersion(sampleLayer('lib', 5));
        expect(await store.nextLayerVersionNumber('lib')).toBe(6);
      });

      it('lists the names of layers that have versions, in code-unit order', async () => {
        await store.putLayerVersion(sampleLayer('zeta', 1));
        await store.putLayerVersion(sampleLayer('Alpha', 1));
        await store.putLayerVersion(sampleLayer('alpha', 1));
        await store.putLayerVersion(sampleLayer('alpha', 2));
        await store.nextLayerVersionNumber('reserved-only');
        expect(await store.listLayerNames()).toEqual(['Alpha', 'alpha', 'zeta']);
      });
    });

    describe('provisioned concurrency configurations', () => {
      const config = (functionName: string, qualifier: string, requested = 2) => ({ functionName, qualifier, requested, lastModified: '2026-01-01T00:00:00.000+0000' });

      it('stores, replaces, lists in order and deletes configurations', async () => {
        await seed('f', ['1'], ['live']);
        await seed('a', ['1']);
        await store.batch([
          { kind: 'putProvisioned', config: config('f', 'live') },
          { kind: 'putProvisioned', config: config('f', '1') },
          { kind: 'putProvisioned', config: config('a', '1') },
        ]);
        await store.batch([{ kind: 'putProvisioned', config: config('f', '1', 5) }]);
        expect(await store.listProvisionedConfigs()).toEqual([config('a', '1'), config('f', '1', 5), config('f', 'live')]);
        expect(await store.listProvisionedConfigs('f')).toEqual([config('f', '1', 5), config('f', 'live')]);
        expect(await store.listProvisionedConfigs('none')).toEqual([]);
        await store.batch([{ kind: 'deleteProvisioned', functionName: 'f', qualifier: 'live' }, { kind: 'deleteProvisioned', functionName: 'f', qualifier: 'none' }]);
        expect(await store.listProvisionedConfigs()).toEqual([config('a', '1'), config('f', '1', 5)]);
      });

      it('refuses a configuration of a function that is not stored, and deletes them with their function', async () => {
        await seed('f', ['1']);
        await expect(store.batch([{ kind: 'putProvisioned', config: config('ghost', '1') }])).rejects.toBeInstanceOf(ResourceNotFoundException);
        await store.batch([{ kind: 'putProvisioned', config: config('f', '1') }]);
        await store.deleteFunction('f');
        expect(await store.listProvisionedConfigs()).toEqual([]);
      });
    });

    describe('resource policies', () => {
      const policy = (functionName: string, qualifier?: string, sids = ['s3']): ResourcePolicy => ({
        functionName,
        ...(qualifier === undefined ? {} : { qualifier }),
        statements: sids.map((Sid) => ({
          Sid,
          Effect: 'Allow',
          Principal: { Service: 's3.amazonaws.com' },
          Action: 'lambda:InvokeFunction',
          Resource: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}${qualifier === undefined ? '' : `:${qualifier}`}`,
          Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::bucket' } },
        })),
      });

      it("stores, replaces, lists in order and deletes the function's, a version's and an alias's policies", async () => {
        await seed('f', ['1'], ['live']);
        await seed('a');
        await store.batch([
          { kind: 'putPolicy', policy: policy('f', 'live') },
          { kind: 'putPolicy', policy: policy('f', '1') },
          { kind: 'putPolicy', policy: policy('f') },
          { kind: 'putPolicy', policy: policy('a') },
        ]);
        await store.batch([{ kind: 'putPolicy', policy: policy('f', '1', ['s3', 'sqs']) }]);
        expect(await store.listPolicies()).toEqual([policy('a'), policy('f'), policy('f', '1', ['s3', 'sqs']), policy('f', 'live')]);
        expect(await store.listPolicies('f')).toEqual([policy('f'), policy('f', '1', ['s3', 'sqs']), policy('f', 'live')]);
        await store.batch([
          { kind: 'deletePolicy', functionName: 'f', qualifier: 'live' },
          { kind: 'deletePolicy', functionName: 'f', qualifier: undefined },
          { kind: 'deletePolicy', functionName: 'f', qualifier: 'none' },
        ]);
        expect(await store.listPolicies()).toEqual([policy('a'), policy('f', '1', ['s3', 'sqs'])]);
      });

      it('refuses a policy of a function that is not stored, and deletes them with their function', async () => {
        await seed('f', ['1']);
        await expect(store.batch([{ kind: 'putPolicy', policy: policy('ghost') }])).rejects.toBeInstanceOf(ResourceNotFoundException);
        await store.batch([{ kind: 'putPolicy', policy: policy('f') }, { kind: 'putPolicy', policy: policy('f', '1') }]);
        await store.deleteFunction('f');
        expect(await store.listPolicies()).toEqual([]);
      });

      it('returns copies: changing a returned policy changes nothing stored', async () => {
        await seed('f');
        await store.batch([{ kind: 'putPolicy', policy: policy('f') }]);
        const [read] = await store.listPolicies();
        read!.statements.push(read!.statements[0]!);
        expect(await store.listPolicies()).toEqual([policy('f')]);
      });
    });

    describe('batch', () => {
      it('applies every kind of write, in order', async () => {
        await seed('f', ['1'], ['old']);
        await store.batch([
          { kind: 'putFunction', record: sampleFunction('g') },
          { kind: 'putVersion', version: sampleVersion('g', '$LATEST') },
          { kind: 'putVersion', version: sampleVersion('g', '1') },
          { kind: 'putAlias', alias: sampleAlias('g', 'live') },
          { kind: 'putFunction', record: sampleFunction('f', { nextVersion: 3 }) },
          { kind: 'putVersion', version: sampleVersion('f', '2') },
          { kind: 'deleteVersion', functionName: 'f', version: '1' },
          { kind: 'deleteAlias', functionName: 'f', name: 'old' },
          { kind: 'putAlias', alias: sampleAlias('f', 'new', { functionVersion: '2' }) },
        ]);
        expect(await store.getFunction('f')).toEqual(sampleFunction('f', { nextVersion: 3 }));
        expect(names(await store.listAllVersions())).toEqual(['f:$LATEST', 'f:2', 'g:$LATEST', 'g:1']);
        expect((await store.listAliases('f')).map((a) => a.name)).toEqual(['new']);
        expect(await store.getAlias('g', 'live')).toEqual(sampleAlias('g', 'live'));
      });

      it('accepts an empty batch', async () => {
        await expect(store.batch([])).resolves.toBeUndefined();
      });

      it('stores nothing when a later write violates a constraint', async () => {
        await seed('f', ['1'], ['live']);
        const before = await snapshot(store);
        const writes: StoreWrite[] = [
          { kind: 'putFunction', record: sampleFunction('f', { nextVersion: 9 }) },
          { kind: 'putVersion', version: sampleVersion('f', '2') },
          { kind: 'deleteVersion', functionName: 'f', version: '1' },
          { kind: 'deleteAlias', functionName: 'f', name: 'live' },
          { kind: 'putFunction', record: sampleFunction('new') },
          { kind: 'putVersion', version: sampleVersion('new', '$LATEST') },
          // The function does not exist: the whole batch must fail.
          { kind: 'putVersion', version: sampleVersion('ghost', '$LATEST') },
        ];
        await expect(store.batch(writes)).rejects.toBeInstanceOf(ResourceNotFoundException);
        expect(await snapshot(store)).toEqual(before);
      });

      it('stores nothing when a write is malformed', async () => {
        await seed('f');
        const before = await snapshot(store);
        const bogus = { kind: 'dropEverything' } as unknown as StoreWrite;
        await expect(store.batch([{ kind: 'putFunction', record: sampleFunction('new') }, bogus])).rejects.toThrow();
        await expect(
          store.batch([{ kind: 'putVersion', version: sampleVersion('f', '1') }, { kind: 'putVersion', version: sampleVersion('f', 'one') }]),
        ).rejects.toBeInstanceOf(InvalidParameterValueException);
        expect(await snapshot(store)).toEqual(before);
      });
    });

    it.skipIf(!factory.reopen)('keeps everything across close and reopen', async () => {
      await seed('f', ['1', '2'], ['live']);
      await seed('g');
      await store.putLayerVersion(sampleLayer('lib', await store.nextLayerVersionNumber('lib')));
      await store.nextLayerVersionNumber('lib');
      const statement = { Sid: 'x', Effect: 'Allow' as const, Principal: '*' as const, Action: 'lambda:InvokeFunctionUrl', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f:live' };
      await store.batch([{ kind: 'putPolicy', policy: { functionName: 'f', qualifier: 'live', statements: [statement] } }]);
      const before = await snapshot(store);
      await store.close();
      store = await factory.reopen!();
      expect(await snapshot(store)).toEqual(before);
      // The counter survived too: 2 was reserved before closing, so 3 comes next.
      expect(await store.nextLayerVersionNumber('lib')).toBe(3);
    });
  });
}

/** Everything readable in a store, for before/after comparisons. */
async function snapshot(store: MetadataStore): Promise<unknown> {
  const functions = await store.listFunctions();
  const aliases = await Promise.all(functions.map((f) => store.listAliases(f.name)));
  const layers = await Promise.all((await store.listLayerNames()).map((n) => store.listLayerVersions(n)));
  return { functions, versions: await store.listAllVersions(), aliases, layers, provisioned: await store.listProvisionedConfigs(), policies: await store.listPolicies() };
}
