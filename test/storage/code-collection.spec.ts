/**
 * Code storage through the real SDK against a real server: packages (zips and their
 * unpacked trees under <dataDir>/blobs) are collected once no version, layer version or
 * running environment uses them; stored bytes count against the code storage limit
 * (CodeStorageExceededException); a package that unpacks past Lambda's 250 MB is refused
 * with AWS's message; GetAccountSettings reports the limit and AWS's usage. With the
 * namespace driver the trees live on the sandbox volume, and are collected there alike
 * (skipped, saying why, where that driver or its volume cannot run).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DeleteLayerVersionCommand,
  GetAccountSettingsCommand,
  PublishLayerVersionCommand,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { createFunction, expectAwsError, invoke, ROLE, waitActive } from '../helpers/lambda.js';
import { makeZip, zerosZip } from '../helpers/zips.js';
import { waitFor } from '../helpers/wait.js';
import { namespaceHostGap } from '../../src/sandbox/namespace/namespace-setup.js';
import { tmpDiskGap } from '../../src/sandbox/namespace/tmp-disks.js';

const volumeGap = namespaceHostGap() ?? tmpDiskGap();
if (volumeGap) console.warn(`test/storage/code-collection.spec.ts: the sandbox volume's case skipped: ${volumeGap}`);

const handler = (tag: string) => `exports.handler = async (event) => { await new Promise((r) => setTimeout(r, event.ms ?? 0)); return '${tag}'; };`;

describe('code collection', () => {
  let t: TestGust;
  /** The unpacked packages on disk (one directory per stored hash). */
  const unpacked = () => readdirSync(join(t.dataDir, 'blobs', 'code')).sort();
  const zips = () => readdirSync(join(t.dataDir, 'blobs', 'zips')).flatMap((d) => readdirSync(join(t.dataDir, 'blobs', 'zips', d))).filter((f) => f.endsWith('.zip'));
  const settle = (n: number) => waitFor(`${n} stored packages`, () => (unpacked().length === n && zips().length === n ? true : undefined), 10_000);

  beforeAll(async () => {
    t = await startTestGust({ flags: { sandbox: 'process' } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('keeps only the code versions use: updates, published versions, deletes', async () => {
    await createFunction(t.lambda, 'c', { files: { 'index.js': handler('a') } });
    expect(await invoke(t.lambda, 'c').then((r) => r.json)).toBe('a');
    await settle(1);
    await t.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'c', ZipFile: await makeZip({ 'index.js': handler('b') }) }));
    await waitActive(t.lambda, 'c');
    expect(await invoke(t.lambda, 'c').then((r) => r.json)).toBe('b');
    await settle(1);
    await t.lambda.send(new PublishVersionCommand({ FunctionName: 'c' }));
    await t.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'c', ZipFile: await makeZip({ 'index.js': handler('c') }) }));
    await waitActive(t.lambda, 'c');
    await settle(2);
    expect(await invoke(t.lambda, 'c', {}, { Qualifier: '1' }).then((r) => r.json)).toBe('b');
    await t.lambda.send(new DeleteFunctionCommand({ FunctionName: 'c', Qualifier: '1' }));
    await settle(1);
    await t.lambda.send(new DeleteFunctionCommand({ FunctionName: 'c' }));
    await settle(0);
  });

  it('keeps a layer while a function uses it, even after its version is deleted', async () => {
    const layer = await t.lambda.send(new PublishLayerVersionCommand({ LayerName: 'lib', Content: { ZipFile: await makeZip({ 'nodejs/x.js': 'module.exports = 1;' }) } }));
    await createFunction(t.lambda, 'uses-lib', { Layers: [layer.LayerVersionArn!], files: { 'index.js': handler('l') } });
    await settle(2);
    await t.lambda.send(new DeleteLayerVersionCommand({ LayerName: 'lib', VersionNumber: layer.Version! }));
    expect(await invoke(t.lambda, 'uses-lib').then((r) => r.json)).toBe('l');
    await settle(2);
    await t.lambda.send(new DeleteFunctionCommand({ FunctionName: 'uses-lib' }));
    await settle(0);
  });

  it('keeps the code of a deleted function until its invocation in flight has finished', async () => {
    await createFunction(t.lambda, 'slow', { Timeout: 30, files: { 'index.js': handler('slow') } });
    await settle(1);
    const [dir] = unpacked();
    const pending = invoke(t.lambda, 'slow', { ms: 1500 });
    await new Promise((r) => setTimeout(r, 300));
    await t.lambda.send(new DeleteFunctionCommand({ FunctionName: 'slow' }));
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(join(t.dataDir, 'blobs', 'code', dir!))).toBe(true);
    expect((await pending).json).toBe('slow');
    await settle(0);
  });

  it('refuses a package that unpacks past 250 MB with AWS\'s message', async () => {
    const zip = await zerosZip('zeros.bin', 262_144_001);
    const create = t.lambda.send(new CreateFunctionCommand({ FunctionName: 'huge', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip } }));
    await expectAwsError(create, 'InvalidParameterValueException', 400, 'Unzipped size must be smaller than 262144000 bytes');
    expect(unpacked()).toEqual([]);
  }, 60_000);
});

describe('the code storage limit', () => {
  let t: TestGust;

  beforeAll(async () => {
    t = await startTestGust({ flags: { sandbox: 'process', codeStorageLimitBytes: String(4 * 1024 * 1024) } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('counts unpacked bytes: a small zip of 5 MB of zeros passes a 4 MB limit', async () => {
    const zip = await zerosZip('zeros.bin', 5 * 1024 * 1024);
    expect(zip.length).toBeLessThan(64 * 1024);
    const create = t.lambda.send(new CreateFunctionCommand({ FunctionName: 'big', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip } }));
    await expectAwsError(create, 'CodeStorageExceededException', 400, /^Code storage limit exceeded\./);
    expect(readdirSync(join(t.dataDir, 'blobs', 'code'))).toEqual([]);
  });

  it('reports the limit and AWS\'s usage (every version and layer version\'s zip) in GetAccountSettings', async () => {
    const zip = await makeZip({ 'index.js': handler('s') });
    await createFunction(t.lambda, 'small', { files: { 'index.js': handler('s') } });
    await t.lambda.send(new PublishVersionCommand({ FunctionName: 'small' }));
    const layer = await makeZip({ 'nodejs/y.js': 'module.exports = 2;' });
    await t.lambda.send(new PublishLayerVersionCommand({ LayerName: 'lib2', Content: { ZipFile: layer } }));
    const settings = await t.lambda.send(new GetAccountSettingsCommand({}));
    expect(settings.AccountLimit).toMatchObject({ TotalCodeSize: 4 * 1024 * 1024, CodeSizeUnzipped: 262_144_000, CodeSizeZipped: 52_428_800 });
    expect(settings.AccountUsage).toEqual({ TotalCodeSize: 2 * zip.length + layer.length, FunctionCount: 1 });
  });
});

describe.skipIf(volumeGap !== undefined)('code collection on the sandbox volume (namespace driver)', () => {
  let t: TestGust;
  const volumeTrees = () => readdirSync(join(t.dataDir, 'sandbox', 'volume', 'code')).filter((n) => /^[0-9a-f]{64}$/.test(n));
  const settle = (n: number) => waitFor(`${n} trees on the volume`, () => (volumeTrees().length === n ? true : undefined), 10_000);

  beforeAll(async () => {
    t = await startTestGust({ flags: { sandbox: 'namespace' } });
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('unpacks on the volume, not under blobs/, and deletes a tree there once nothing uses it', async () => {
    await createFunction(t.lambda, 'v', { files: { 'index.js': handler('a') } });
    expect(await invoke(t.lambda, 'v').then((r) => r.json)).toBe('a');
    await settle(1);
    expect(existsSync(join(t.dataDir, 'blobs', 'code'))).toBe(false);
    await t.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'v', ZipFile: await makeZip({ 'index.js': handler('b') }) }));
    await waitActive(t.lambda, 'v');
    expect(await invoke(t.lambda, 'v').then((r) => r.json)).toBe('b');
    await settle(1);
    await t.lambda.send(new DeleteFunctionCommand({ FunctionName: 'v' }));
    await settle(0);
  });
});
