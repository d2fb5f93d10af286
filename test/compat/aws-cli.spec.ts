/**
 * The real AWS CLI v2 (/usr/bin/aws, Debian's awscli) against a real server: its own
 * serializers and its own, older API model, with nothing but `--endpoint-url` changed.
 * Skipped, saying why, where the CLI is not installed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliMissing, awsLambda } from '../helpers/aws-cli.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { makeZip as zipOf } from '../helpers/zips.js';

const missing = awsCliMissing('aws-cli compat suite');

let t: TestGust;
let work: string;

const { aws, ok } = awsLambda(() => ({ endpoint: t.url, cwd: work }));

describe.skipIf(missing !== undefined)('aws CLI v2', () => {
  beforeAll(async () => {
    t = await startTestGust();
    work = mkdtempSync(join(tmpdir(), 'gust-awscli-'));
    writeFileSync(join(work, 'fn.zip'), await zipOf({ 'index.js': 'exports.handler = async () => "hi";\n' }));
    writeFileSync(join(work, 'layer.zip'), await zipOf({ 'nodejs/node_modules/lib/index.js': 'module.exports = 1;\n' }));
  });

  afterAll(async () => {
    await t?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  // Each aws call starts a Python interpreter (about a second), hence the long timeouts.
  it('manages a function from create to delete', { timeout: 120_000 }, async () => {
    const created = await ok(
      'create-function', '--function-name', 'cli-fn', '--runtime', 'nodejs20.x', '--handler', 'index.handler',
      '--role', 'arn:aws:iam::000000000000:role/gust', '--zip-file', 'fileb://fn.zip',
      '--environment', 'Variables={STAGE=dev}', '--tags', 'team=core',
    );
    expect(created).toMatchObject({
      FunctionName: 'cli-fn',
      FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:cli-fn',
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Version: '$LATEST',
      Environment: { Variables: { STAGE: 'dev' } },
    });

    const got = await ok('get-function', '--function-name', 'cli-fn');
    expect(got).toMatchObject({ Configuration: { FunctionName: 'cli-fn' }, Tags: { team: 'core' } });
    expect((got.Code as { Location: string }).Location).toContain('/gust/code/');

    const listed = await ok('list-functions');
    expect((listed.Functions as { FunctionName: string }[]).map((f) => f.FunctionName)).toContain('cli-fn');

    const updated = await ok('update-function-configuration', '--function-name', 'cli-fn', '--memory-size', '256', '--timeout', '15', '--description', 'from the aws cli');
    expect(updated).toMatchObject({ MemorySize: 256, Timeout: 15, Description: 'from the aws cli' });

    const version = await ok('publish-version', '--function-name', 'cli-fn');
    expect(version).toMatchObject({ Version: '1', FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:cli-fn:1', MemorySize: 256 });

    const alias = await ok('create-alias', '--function-name', 'cli-fn', '--name', 'live', '--function-version', '1');
    expect(alias).toMatchObject({ Name: 'live', FunctionVersion: '1', AliasArn: 'arn:aws:lambda:us-east-1:000000000000:function:cli-fn:live' });

    const aliasGet = await ok('get-function', '--function-name', 'cli-fn:live');
    expect(aliasGet).toMatchObject({ Configuration: { Version: '1' } });

    expect(await ok('delete-function', '--function-name', 'cli-fn')).toEqual({});
    const gone = await aws('get-function', '--function-name', 'cli-fn');
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('ResourceNotFoundException');
  });

  it('publishes a layer and uses it', { timeout: 120_000 }, async () => {
    const layer = await ok(
      'publish-layer-version', '--layer-name', 'cli-layer', '--zip-file', 'fileb://layer.zip',
      '--compatible-runtimes', 'nodejs20.x', 'nodejs22.x', '--description', 'shared code', '--license-info', 'MIT',
    );
    expect(layer).toMatchObject({
      LayerArn: 'arn:aws:lambda:us-east-1:000000000000:layer:cli-layer',
      LayerVersionArn: 'arn:aws:lambda:us-east-1:000000000000:layer:cli-layer:1',
      Version: 1,
      Description: 'shared code',
      LicenseInfo: 'MIT',
      CompatibleRuntimes: ['nodejs20.x', 'nodejs22.x'],
    });
    expect((layer.Content as { CodeSize: number }).CodeSize).toBeGreaterThan(0);

    const layers = await ok('list-layers', '--compatible-runtime', 'nodejs20.x');
    expect(layers.Layers).toEqual([expect.objectContaining({ LayerName: 'cli-layer', LatestMatchingVersion: expect.objectContaining({ Version: 1 }) })]);
    const versions = await ok('list-layer-versions', '--layer-name', 'cli-layer');
    expect((versions.LayerVersions as unknown[]).length).toBe(1);
    const byArn = await ok('get-layer-version-by-arn', '--arn', 'arn:aws:lambda:us-east-1:000000000000:layer:cli-layer:1');
    expect(byArn).toMatchObject({ Version: 1 });

    const fn = await ok(
      'create-function', '--function-name', 'cli-layered', '--runtime', 'nodejs20.x', '--handler', 'index.handler',
      '--role', 'arn:aws:iam::000000000000:role/gust', '--zip-file', 'fileb://fn.zip', '--layers', 'arn:aws:lambda:us-east-1:000000000000:layer:cli-layer:1',
    );
    expect(fn.Layers).toEqual([{ Arn: 'arn:aws:lambda:us-east-1:000000000000:layer:cli-layer:1', CodeSize: (layer.Content as { CodeSize: number }).CodeSize }]);

    expect(await ok('delete-layer-version', '--layer-name', 'cli-layer', '--version-number', '1')).toEqual({});
    const missing = await aws('get-layer-version', '--layer-name', 'cli-layer', '--version-number', '1');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('ResourceNotFoundException');
  });
});
