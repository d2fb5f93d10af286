/**
 * Layers through the real SDK against a real server: PublishLayerVersion,
 * GetLayerVersion(ByArn), ListLayers, ListLayerVersions, DeleteLayerVersion, their
 * errors, and a function that uses a layer.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateFunctionCommand,
  DeleteLayerVersionCommand,
  GetFunctionConfigurationCommand,
  GetLayerVersionByArnCommand,
  GetLayerVersionCommand,
  InvalidParameterValueException,
  ListLayersCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { makeZip as zipOf } from '../helpers/zips.js';

const AWS_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/;

async function errorOf(p: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

let t: TestGust;
let region: string;
let account: string;

beforeAll(async () => {
  t = await startTestGust();
  region = t.config.region;
  account = t.config.accountId;
});

afterAll(async () => {
  await t?.stop();
});

describe('PublishLayerVersion and GetLayerVersion', () => {
  it('publishes numbered versions with AWS-shaped fields and serves the zip', async () => {
    const zip = await zipOf({ 'nodejs/node_modules/greet/index.js': 'exports.hi = () => "hi";' });
    const out = await t.lambda.send(new PublishLayerVersionCommand({
      LayerName: 'greet',
      Description: 'greetings',
      LicenseInfo: 'MIT',
      CompatibleRuntimes: ['nodejs20.x', 'nodejs22.x'],
      CompatibleArchitectures: ['x86_64'],
      Content: { ZipFile: zip },
    }));
    expect(out.$metadata.httpStatusCode).toBe(201);
    const layerArn = `arn:aws:lambda:${region}:${account}:layer:greet`;
    expect(out).toMatchObject({
      LayerArn: layerArn,
      LayerVersionArn: `${layerArn}:1`,
      Version: 1,
      Description: 'greetings',
      LicenseInfo: 'MIT',
      CompatibleRuntimes: ['nodejs20.x', 'nodejs22.x'],
      CompatibleArchitectures: ['x86_64'],
    });
    expect(out.CreatedDate).toMatch(AWS_DATE);
    expect(out.Content?.CodeSha256).toBe(createHash('sha256').update(zip).digest('base64'));
    expect(out.Content?.CodeSize).toBe(zip.length);
    expect(out.Content?.Location).toMatch(new RegExp(`^${t.url}/gust/code/[0-9a-f]{64}\\.zip$`));

    const download = await fetch(out.Content!.Location!);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(zip)).toBe(true);

    const second = await t.lambda.send(new PublishLayerVersionCommand({
      LayerName: 'greet',
      CompatibleRuntimes: ['python3.12'],
      CompatibleArchitectures: ['arm64'],
      Content: { ZipFile: await zipOf({ 'python/greet.py': 'def hi(): return "hi"' }) },
    }));
    expect(second.Version).toBe(2);
    expect(second.Description).toBe('');
    expect(second.LicenseInfo).toBeUndefined();

    const got = await t.lambda.send(new GetLayerVersionCommand({ LayerName: 'greet', VersionNumber: 1 }));
    expect(got).toMatchObject({ LayerVersionArn: `${layerArn}:1`, Version: 1, Description: 'greetings', CreatedDate: out.CreatedDate, Content: out.Content });

    // LayerName may be the layer's ARN, as the model allows.
    const byLayerArn = await t.lambda.send(new GetLayerVersionCommand({ LayerName: layerArn, VersionNumber: 2 }));
    expect(byLayerArn.CompatibleRuntimes).toEqual(['python3.12']);

    const byArn = await t.lambda.send(new GetLayerVersionByArnCommand({ Arn: `${layerArn}:2` }));
    expect(byArn).toMatchObject({ LayerArn: layerArn, Version: 2, CompatibleArchitectures: ['arm64'] });
    expect(byArn.Content?.CodeSha256).toBe(second.Content?.CodeSha256);
  });

  it('refuses S3 content, a body that is not a zip, and no content at all', async () => {
    const s3 = await errorOf(t.lambda.send(new PublishLayerVersionCommand({ LayerName: 'x', Content: { S3Bucket: 'b', S3Key: 'k.zip' } })));
    expect(s3).toBeInstanceOf(InvalidParameterValueException);
    expect(s3.message).toMatch(/S3/);
    expect(s3.message).toMatch(/ZipFile/);

    const notZip = await errorOf(t.lambda.send(new PublishLayerVersionCommand({ LayerName: 'x', Content: { ZipFile: Buffer.from('not a zip') } })));
    expect(notZip).toBeInstanceOf(InvalidParameterValueException);

    const none = await errorOf(t.lambda.send(new PublishLayerVersionCommand({ LayerName: 'x', Content: {} })));
    expect(none).toBeInstanceOf(InvalidParameterValueException);

    const badRuntime = await errorOf(t.lambda.send(new PublishLayerVersionCommand({
      LayerName: 'x',
      CompatibleRuntimes: ['cobol85' as 'nodejs20.x'],
      Content: { ZipFile: await zipOf({ 'a.txt': 'a' }) },
    })));
    expect(badRuntime.name).toBe('ValidationException');

    // Refused publishes leave no layer behind and use up no version number.
    const list = await t.lambda.send(new ListLayerVersionsCommand({ LayerName: 'x' }));
    expect(list.LayerVersions).toEqual([]);
    const first = await t.lambda.send(new PublishLayerVersionCommand({ LayerName: 'x', Content: { ZipFile: await zipOf({ 'a.txt': 'a' }) } }));
    expect(first.Version).toBe(1);
  });
});

describe('ListLayerVersions and ListLayers', () => {
  beforeAll(async () => {
    // lib-a: v1 node, v2 python, v3 node+python (arm64). lib-b: v1 python. lib-c: v1 with no runtimes.
    const publish = async (name: string, runtimes: string[], architectures: string[] = []) =>
      t.lambda.send(new PublishLayerVersionCommand({
        LayerName: name,
        CompatibleRuntimes: runtimes as 'nodejs20.x'[],
        CompatibleArchitectures: architectures as 'x86_64'[],
        Content: { ZipFile: await zipOf({ [`${name}.txt`]: runtimes.join(',') }) },
      }));
    await publish('lib-a', ['nodejs20.x']);
    await publish('lib-a', ['python3.12']);
    await publish('lib-a', ['nodejs20.x', 'python3.12'], ['arm64']);
    await publish('lib-b', ['python3.12']);
    await publish('lib-c', []);
  });

  it('lists versions newest first, filtered and paged', async () => {
    const all = await t.lambda.send(new ListLayerVersionsCommand({ LayerName: 'lib-a' }));
    expect(all.LayerVersions?.map((v) => v.Version)).toEqual([3, 2, 1]);
    expect(all.NextMarker).toBeUndefined();
    const item = all.LayerVersions![0]!;
    expect(item.LayerVersionArn).toBe(`arn:aws:lambda:${region}:${account}:layer:lib-a:3`);
    expect(item.CreatedDate).toMatch(AWS_DATE);
    expect(item).not.toHaveProperty('Content');

    const node = await t.lambda.send(new ListLayerVersionsCommand({ LayerName: 'lib-a', CompatibleRuntime: 'nodejs20.x' }));
    expect(node.LayerVersions?.map((v) => v.Version)).toEqual([3, 1]);
    const arm = await t.lambda.send(new ListLayerVersionsCommand({ LayerName: 'lib-a', CompatibleArchitecture: 'arm64' }));
    expect(arm.LayerVersions?.map((v) => v.Version)).toEqual([3]);

    const seen: number[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await t.lambda.send(new ListLayerVersionsCommand({ LayerName: 'lib-a', MaxItems: 2, ...(marker ? { Marker: marker } : {}) }));
      expect(page.LayerVersions!.length).toBeLessThanOrEqual(2);
      seen.push(...page.LayerVersions!.map((v) => v.Version!));
      marker = page.NextMarker;
      pages++;
    } while (marker);
    expect(seen).toEqual([3, 2, 1]);
    expect(pages).toBe(2);
  });

  it('lists layers with their latest matching version, filtered and paged', async () => {
    const all = await t.lambda.send(new ListLayersCommand({}));
    const names = all.Layers?.map((l) => l.LayerName);
    expect(names).toEqual(expect.arrayContaining(['lib-a', 'lib-b', 'lib-c']));
    const a = all.Layers!.find((l) => l.LayerName === 'lib-a')!;
    expect(a.LayerArn).toBe(`arn:aws:lambda:${region}:${account}:layer:lib-a`);
    expect(a.LatestMatchingVersion).toMatchObject({ Version: 3, LayerVersionArn: `${a.LayerArn}:3` });

    const python = await t.lambda.send(new ListLayersCommand({ CompatibleRuntime: 'python3.12' }));
    const pyByName = Object.fromEntries(python.Layers!.map((l) => [l.LayerName, l.LatestMatchingVersion?.Version]));
    expect(pyByName['lib-a']).toBe(3);
    expect(pyByName['lib-b']).toBe(1);
    expect(pyByName).not.toHaveProperty('lib-c');

    const x86 = await t.lambda.send(new ListLayersCommand({ CompatibleRuntime: 'nodejs20.x', CompatibleArchitecture: 'x86_64' }));
    expect(x86.Layers?.map((l) => l.LayerName)).not.toContain('lib-a');

    const paged: string[] = [];
    let marker: string | undefined;
    do {
      const page = await t.lambda.send(new ListLayersCommand({ MaxItems: 1, ...(marker ? { Marker: marker } : {}) }));
      expect(page.Layers!.length).toBe(1);
      paged.push(page.Layers![0]!.LayerName!);
      marker = page.NextMarker;
    } while (marker);
    expect(paged).toEqual(names);
  });

  it('refuses MaxItems outside 1..50', async () => {
    const err = await errorOf(t.lambda.send(new ListLayersCommand({ MaxItems: 51 })));
    expect(err.name).toBe('ValidationException');
  });
});

describe('DeleteLayerVersion and not-found errors', () => {
  it('deletes idempotently and never reuses a number', async () => {
    const zip = await zipOf({ 'd.txt': 'd' });
    await t.lambda.send(new PublishLayerVersionCommand({ LayerName: 'doomed', Content: { ZipFile: zip } }));
    await t.lambda.send(new PublishLayerVersionCommand({ LayerName: 'doomed', Content: { ZipFile: zip } }));

    const del = await t.lambda.send(new DeleteLayerVersionCommand({ LayerName: 'doomed', VersionNumber: 2 }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    // Deleting again, or a version that never existed, succeeds as on AWS.
    await t.lambda.send(new DeleteLayerVersionCommand({ LayerName: 'doomed', VersionNumber: 2 }));
    await t.lambda.send(new DeleteLayerVersionCommand({ LayerName: 'never-was', VersionNumber: 9 }));

    const gone = await errorOf(t.lambda.send(new GetLayerVersionCommand({ LayerName: 'doomed', VersionNumber: 2 })));
    expect(gone).toBeInstanceOf(ResourceNotFoundException);
    expect(gone.message).toBe('The resource you requested does not exist.');
    expect(gone.$metadata?.httpStatusCode).toBe(404);

    const next = await t.lambda.send(new PublishLayerVersionCommand({ LayerName: 'doomed', Content: { ZipFile: zip } }));
    expect(next.Version).toBe(3);
    await t.lambda.send(new DeleteLayerVersionCommand({ LayerName: 'doomed', VersionNumber: 1 }));
    await t.lambda.send(new DeleteLayerVersionCommand({ LayerName: 'doomed', VersionNumber: 3 }));

    // A layer with no versions left is not listed, and lists no versions.
    const layers = await t.lambda.send(new ListLayersCommand({}));
    expect(layers.Layers?.map((l) => l.LayerName)).not.toContain('doomed');
    const versions = await t.lambda.send(new ListLayerVersionsCommand({ LayerName: 'doomed' }));
    expect(versions.LayerVersions).toEqual([]);
  });

  it('answers missing layers and versions with ResourceNotFoundException', async () => {
    const byName = await errorOf(t.lambda.send(new GetLayerVersionCommand({ LayerName: 'no-such-layer', VersionNumber: 1 })));
    expect(byName).toBeInstanceOf(ResourceNotFoundException);
    const byArn = await errorOf(t.lambda.send(new GetLayerVersionByArnCommand({ Arn: `arn:aws:lambda:${region}:${account}:layer:no-such-layer:4` })));
    expect(byArn).toBeInstanceOf(ResourceNotFoundException);
    expect(byArn.message).toBe('The resource you requested does not exist.');
    const otherAccount = await errorOf(t.lambda.send(new GetLayerVersionByArnCommand({ Arn: `arn:aws:lambda:${region}:123456789012:layer:greet:1` })));
    expect(otherAccount).toBeInstanceOf(ResourceNotFoundException);
    const malformed = await errorOf(t.lambda.send(new GetLayerVersionByArnCommand({ Arn: 'arn:aws:lambda:nowhere' })));
    expect(malformed.name).toBe('ValidationException');
  });
});

describe('a function using a layer', () => {
  it('records the layer version with its code size', async () => {
    const layer = await t.lambda.send(new PublishLayerVersionCommand({
      LayerName: 'shared',
      Content: { ZipFile: await zipOf({ 'nodejs/node_modules/shared/index.js': 'module.exports = 42;' }) },
    }));
    const created = await t.lambda.send(new CreateFunctionCommand({
      FunctionName: 'uses-layer',
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: `arn:aws:iam::${account}:role/gust`,
      Code: { ZipFile: await zipOf({ 'index.js': 'exports.handler = async () => require("shared");' }) },
      Layers: [layer.LayerVersionArn!],
    }));
    expect(created.Layers).toEqual([{ Arn: layer.LayerVersionArn, CodeSize: layer.Content!.CodeSize }]);
    const config = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'uses-layer' }));
    expect(config.Layers).toEqual([{ Arn: layer.LayerVersionArn, CodeSize: layer.Content!.CodeSize }]);

    const missing = await errorOf(t.lambda.send(new CreateFunctionCommand({
      FunctionName: 'uses-missing-layer',
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: `arn:aws:iam::${account}:role/gust`,
      Code: { ZipFile: await zipOf({ 'index.js': '' }) },
      Layers: [`arn:aws:lambda:${region}:${account}:layer:shared:99`],
    })));
    expect(missing).toBeInstanceOf(InvalidParameterValueException);
  });
});
