/**
 * boto3 (Debian's python3-boto3, run by /usr/bin/python3) against a real server. Its
 * API model is older than the JavaScript SDK's, which is the point: Gust must answer
 * the clients people already have. The operations live in boto3_ops.py, which prints
 * every response as one JSON object. Skipped, saying why, where boto3 is missing.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { makeZip as zipOf } from '../helpers/zips.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'boto3_ops.py');

function boto3Missing(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} is not installed`;
  const probe = spawnSync(PYTHON, ['-c', 'import boto3'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : 'boto3 is not importable by /usr/bin/python3 (apt-get install python3-boto3)';
}

const missing = boto3Missing();
if (missing) console.log(`boto3 compat suite skipped: ${missing}`);

type Result = Record<string, unknown> & { Error?: { Code: string; Message: string } };

describe.skipIf(missing !== undefined)('boto3', () => {
  let t: TestGust;
  let work: string;
  let r: Record<string, Result>;

  beforeAll(async () => {
    t = await startTestGust();
    work = mkdtempSync(join(tmpdir(), 'gust-boto3-'));
    const fnZip = join(work, 'fn.zip');
    const layerZip = join(work, 'layer.zip');
    writeFileSync(fnZip, await zipOf({ 'index.py': 'def handler(event, context):\n    return "hi"\n' }));
    writeFileSync(layerZip, await zipOf({ 'python/shared.py': 'VALUE = 1\n' }));
    const stdout = await new Promise<string>((done, fail) => {
      execFile(
        PYTHON,
        [SCRIPT, t.url, fnZip, layerZip],
        // No user AWS configuration may change what boto3 does.
        { env: { PATH: '/usr/bin:/bin', HOME: work, AWS_CONFIG_FILE: join(work, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(work, 'none') } },
        (err, out, stderr) => (err ? fail(new Error(`boto3_ops.py failed: ${stderr || err.message}`)) : done(out)),
      );
    });
    r = JSON.parse(stdout) as Record<string, Result>;
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('creates, reads, lists and updates a function', () => {
    expect(r.create_function).toMatchObject({
      FunctionName: 'py-fn',
      FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:py-fn',
      Runtime: 'python3.12',
      Environment: { Variables: { STAGE: 'dev' } },
    });
    expect(r.get_function).toMatchObject({ Configuration: { FunctionName: 'py-fn' }, Tags: { team: 'core' } });
    expect((r.list_functions!.Functions as { FunctionName: string }[]).map((f) => f.FunctionName)).toContain('py-fn');
    expect(r.update_function_configuration).toMatchObject({ MemorySize: 512, Timeout: 20, Description: 'from boto3' });
  });

  it('publishes a version and points an alias at it', () => {
    expect(r.publish_version).toMatchObject({ Version: '1', MemorySize: 512 });
    expect(r.create_alias).toMatchObject({ Name: 'live', FunctionVersion: '1', AliasArn: 'arn:aws:lambda:us-east-1:000000000000:function:py-fn:live' });
  });

  it('publishes a layer, finds it, and uses it in a function', () => {
    expect(r.publish_layer_version).toMatchObject({
      LayerVersionArn: 'arn:aws:lambda:us-east-1:000000000000:layer:py-layer:1',
      Version: 1,
      Description: 'shared',
      CompatibleRuntimes: ['python3.12'],
    });
    expect(r.get_layer_version_by_arn).toMatchObject({ Version: 1, LayerArn: 'arn:aws:lambda:us-east-1:000000000000:layer:py-layer' });
    expect(r.list_layers!.Layers).toEqual([expect.objectContaining({ LayerName: 'py-layer' })]);
    const size = (r.publish_layer_version!.Content as { CodeSize: number }).CodeSize;
    expect(r.create_function_with_layer!.Layers).toEqual([{ Arn: 'arn:aws:lambda:us-east-1:000000000000:layer:py-layer:1', CodeSize: size }]);
  });

  it('deletes, and reports missing resources with their AWS error codes', () => {
    expect(r.delete_function).toEqual({});
    expect(r.get_deleted_function!.Error?.Code).toBe('ResourceNotFoundException');
    expect(r.get_missing_layer_version!.Error).toEqual({ Code: 'ResourceNotFoundException', Message: 'The resource you requested does not exist.' });
  });
});
