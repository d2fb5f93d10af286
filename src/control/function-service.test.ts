/**
 * FunctionService against the real embedded stores (SQLite and the file-system blob
 * store in a temp dir) with a manual clock: the synchronous read path, change events,
 * finishing a creation left Pending by a previous process, and writes racing each other.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../core/clock.js';
import { LambdaError } from '../core/errors.js';
import type { FsBlobStore } from '../store/fs-blob-store.js';
import type { SqliteMetadataStore } from '../store/sqlite/sqlite-metadata-store.js';
import { FunctionService, type FunctionChange } from './function-service.js';
import type { CreateFunctionInput } from './function-inputs.js';
import { handlerZip as zipOf, nodeFunction, openFunctionFixture, settle, TEST_PARTITION as PARTITION, type FunctionFixture } from '../../test/helpers/functions.js';

describe('FunctionService', () => {
  let fixture: FunctionFixture;
  let store: SqliteMetadataStore;
  let blobs: FsBlobStore;
  let clock: ManualClock;
  let service: FunctionService;
  let zip: Buffer;
  const input = (name: string): CreateFunctionInput => nodeFunction(name, zip);

  beforeEach(async () => {
    fixture = await openFunctionFixture({ startMs: Date.UTC(2024, 0, 2, 3, 4, 5, 678), accountConcurrencyLimit: 150 });
    ({ store, blobs, clock, functions: service } = fixture);
    zip = await zipOf();
  });
  afterEach(() => fixture.close());

  it('serves writes from the synchronous read path, frozen, with the injected clock', async () => {
    const created = await service.createFunction(input('f'));
    expect(created.state).toBe('Pending');
    expect(created.lastModified).toBe('2024-01-02T03:04:05.678Z');
    await settle();
    const latest = service.getVersionSync('f', '$LATEST');
    expect(latest?.state).toBe('Active');
    expect(Object.isFrozen(latest)).toBe(true);
    expect(Object.isFrozen(latest?.environment)).toBe(true);
    expect(service.getFunctionSync('f')?.nextVersion).toBe(1);

    const v1 = await service.publishVersion({ functionName: 'f' });
    await service.createAlias({ functionName: 'f', name: 'live', functionVersion: v1.version });
    expect(service.resolveSync('f', 'live')?.version.version).toBe('1');
    expect(service.resolveSync('f', 'live')?.alias?.name).toBe('live');
    expect(service.resolveSync('f')?.version.version).toBe('$LATEST');
    expect(service.resolveSync('f', '7')).toBeUndefined();
    expect(service.resolveSync('nope')).toBeUndefined();
  });

  it('tells listeners what changed, after the change is readable', async () => {
    const seen: [string, FunctionChange, string | undefined][] = [];
    const unsubscribe = service.onChange((name, change) => seen.push([name, change, service.getVersionSync(name, '$LATEST')?.codeSha256]));
    await service.createFunction(input('g'));
    await settle();
    await service.updateFunctionConfiguration({ functionName: 'g', timeout: 9 });
    await settle();
    const updated = await service.updateFunctionCode({ functionName: 'g', code: { zipFile: await zipOf('changed') } });
    await service.deleteFunction('g');
    unsubscribe();
    await service.createFunction(input('h'));
    expect(seen.map(([name, change]) => [name, change.kind])).toEqual([
      ['g', 'created'],
      ['g', 'configuration'],
      ['g', 'code'],
      ['g', 'deleted'],
    ]);
    // The code event already sees the new code.
    expect(seen[2]![2]).toBe(updated.codeSha256);
  });

  it('finishes creations a previous process left Pending', async () => {
    await service.createFunction(input('p'));
    await settle();
    const active = service.getVersionSync('p', '$LATEST')!;
    await store.putVersion({ ...active, state: 'Pending', stateReason: 'The function is being created.', stateReasonCode: 'Creating' });
    const restarted = new FunctionService({ store, blobs, partition: PARTITION, clock });
    await restarted.load();
    const after = restarted.getVersionSync('p', '$LATEST')!;
    expect(after.state).toBe('Active');
    expect(after.stateReason).toBeUndefined();
    expect((await store.getVersion('p', '$LATEST'))?.state).toBe('Active');
  });

  it('lets only one of two racing creates of a name win', async () => {
    const results = await Promise.allSettled([service.createFunction(input('race')), service.createFunction(input('race'))]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const failure = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((failure.reason as LambdaError).awsType).toBe('ResourceConflictException');
  });

  it('never reserves past the account limit, however the puts interleave', async () => {
    for (const name of ['r1', 'r2', 'r3']) await service.createFunction(input(name));
    // Limit 150 keeps 100 unreserved: 50 to share.
    const results = await Promise.allSettled(['r1', 'r2', 'r3'].map((name) => service.putFunctionConcurrency(name, 30)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const settings = await service.getAccountSettings();
    expect(settings.accountLimit.unreservedConcurrentExecutions).toBe(120);
  });

  it('keeps version numbers after the newest version is deleted', async () => {
    await service.createFunction(input('n'));
    await settle();
    await service.publishVersion({ functionName: 'n' });
    await service.updateFunctionConfiguration({ functionName: 'n', memorySize: 256 });
    await settle();
    await service.publishVersion({ functionName: 'n' });
    await service.deleteFunction('n', '2');
    await service.updateFunctionConfiguration({ functionName: 'n', memorySize: 512 });
    await settle();
    expect((await service.publishVersion({ functionName: 'n' })).version).toBe('3');
  });
});

describe('FunctionService of two nodes on one store', () => {
  let fixture: FunctionFixture;
  let nodeB: FunctionService;
  const notes: [string, FunctionChange | undefined][] = [];

  beforeEach(async () => {
    fixture = await openFunctionFixture({ startMs: Date.UTC(2024, 0, 2) });
    nodeB = new FunctionService({ store: fixture.store, blobs: fixture.blobs, partition: PARTITION, clock: fixture.clock, announce: (name, change) => notes.push([name, change]) });
    await nodeB.load();
    notes.length = 0;
  });
  afterEach(() => fixture.close());

  it('never gives one version number twice when both publish from the same record, and numbers again from the store', async () => {
    const nodeA = fixture.functions;
    await nodeA.createFunction(nodeFunction('f', await zipOf()));
    await settle();
    await nodeB.refresh('f', { kind: 'created' });
    const [a, b] = await Promise.all([
      nodeA.updateFunctionCode({ functionName: 'f', code: { zipFile: await zipOf('from A') }, publish: true }),
      nodeB.updateFunctionCode({ functionName: 'f', code: { zipFile: await zipOf('from B') }, publish: true }),
    ]);
    expect([a.version, b.version].sort()).toEqual(['1', '2']);
    await settle();
    const stored = await fixture.store.listVersions('f');
    const codeOf = Object.fromEntries(stored.map((v) => [v.version, v.codeSha256]));
    expect(a.codeSha256).not.toBe(b.codeSha256);
    expect([codeOf[a.version], codeOf[b.version]]).toEqual([a.codeSha256, b.codeSha256]);
    expect((await fixture.store.getFunction('f'))?.nextVersion).toBe(3);
  });

  it('installs on refresh a runtime this node lacks, which the other node installed before its version became Active, and then tells it activated', async () => {
    const prepared: string[] = [];
    const told: string[] = [];
    const installing = new Set(['python3.12']);
    const nodeC = new FunctionService({
      store: fixture.store,
      blobs: fixture.blobs,
      partition: PARTITION,
      clock: fixture.clock,
      runtimes: {
        readiness: (runtime) => (installing.has(runtime) ? { kind: 'installing', reason: `installing ${runtime}` } : { kind: 'ready' }),
        prepare: async (runtime) => {
          prepared.push(runtime);
          told.push(`installed ${runtime}`);
          installing.delete(runtime);
        },
        activated: (runtime) => told.push(`activated ${runtime}`),
      },
    });
    await nodeC.load();
    await fixture.functions.createFunction({ ...nodeFunction('py', await zipOf()), runtime: 'python3.12', handler: 'index.handler' });
    await settle();
    await nodeC.refresh('py', { kind: 'created' });
    await nodeC.refresh('py', undefined);
    expect(prepared).toEqual(['python3.12']);
    expect(told.slice(0, 2)).toEqual(['installed python3.12', 'activated python3.12']);
  });

  it('tells the runtimes of a version that becomes Active, on the node that settled it, and not before', async () => {
    const activated: string[] = [];
    const own = new FunctionService({
      store: fixture.store,
      blobs: fixture.blobs,
      partition: PARTITION,
      clock: fixture.clock,
      runtimes: { readiness: () => ({ kind: 'ready' }), prepare: async () => undefined, activated: (runtime) => activated.push(runtime) },
    });
    await own.load();
    const created = await own.createFunction({ ...nodeFunction('act', await zipOf()), runtime: 'python3.12', handler: 'index.handler' });
    expect(created.state).toBe('Pending');
    expect(activated).toEqual([]);
    await settle();
    expect(own.getVersionSync('act', '$LATEST')?.state).toBe('Active');
    expect(activated).toEqual(['python3.12']);
  });

  it('learns of a change committed by another node on refresh, and tells its listeners as after its own write', async () => {
    const nodeA = fixture.functions;
    await nodeA.createFunction(nodeFunction('g', await zipOf()));
    await settle();
    expect(nodeB.getFunctionSync('g')).toBeUndefined();
    await nodeB.refresh('g', { kind: 'created' });
    expect(nodeB.getVersionSync('g', '$LATEST')?.state).toBe('Active');
    const seen: FunctionChange[] = [];
    nodeB.onChange((_name, change) => seen.push(change));
    const updated = await nodeA.updateFunctionCode({ functionName: 'g', code: { zipFile: await zipOf('new') } });
    await nodeB.refresh('g', { kind: 'code' });
    expect(nodeB.getVersionSync('g', '$LATEST')?.codeSha256).toBe(updated.codeSha256);
    await nodeA.deleteFunction('g');
    await nodeB.refresh('g', { kind: 'deleted' });
    expect(nodeB.getFunctionSync('g')).toBeUndefined();
    expect(seen).toEqual([{ kind: 'code' }, { kind: 'deleted' }]);
    // B's own writes are announced (to be passed on to the other nodes); A's are not its to announce.
    await expect(nodeB.createFunction(nodeFunction('h', await zipOf()))).resolves.toMatchObject({ functionName: 'h' });
    await settle();
    expect(notes).toEqual([['h', { kind: 'created' }], ['h', undefined]]);
    await expect(nodeA.createFunction(nodeFunction('h', await zipOf()))).rejects.toMatchObject({ name: 'ResourceConflictException', message: 'Function already exist: h' });
    expect(nodeA.getFunctionSync('h')).toBeDefined();
  });
});
