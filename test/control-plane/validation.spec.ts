/**
 * Every refused input of the function operations, with the error type, HTTP status
 * and (where AWS's wording is known) message Lambda uses; and the function left as it
 * was after a refused update.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  PublishLayerVersionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type CreateFunctionCommandInput,
} from '@aws-sdk/client-lambda';
import { SUPPORTED_RUNTIMES } from '../../src/core/limits.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { expectAwsError, ROLE } from '../helpers/lambda.js';
import { makeZip } from '../helpers/zips.js';

const ARN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const RESERVED_MESSAGE =
  'Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ';

describe('input validation', () => {
  let t: TestGust;
  let zip: Buffer;
  let base: () => CreateFunctionCommandInput;

  beforeAll(async () => {
    t = await startTestGust();
    zip = await makeZip();
    base = () => ({ FunctionName: 'v', Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: zip } });
    await t.lambda.send(new CreateFunctionCommand({ ...base(), FunctionName: 'existing' }));
  });
  afterAll(async () => {
    await t.stop();
  });

  const create = (overrides: Partial<CreateFunctionCommandInput>) => t.lambda.send(new CreateFunctionCommand({ ...base(), ...overrides }));

  it('refuses unknown runtimes with the list of supported ones', async () => {
    await expectAwsError(
      create({ Runtime: 'nodejs4.3' as 'nodejs20.x' }),
      'InvalidParameterValueException',
      400,
      `Value nodejs4.3 at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [${SUPPORTED_RUNTIMES.join(', ')}] or be a valid ARN`,
    );
    await expectAwsError(
      create({ Runtime: undefined }),
      'InvalidParameterValueException',
      400,
      'Runtime and Handler are mandatory parameters for functions created with deployment packages.',
    );
    await expectAwsError(create({ Handler: undefined }), 'InvalidParameterValueException', 400);
    await expectAwsError(create({ Handler: 'has space' }), 'ValidationException', 400);
  });

  it('refuses a missing or malformed role', async () => {
    await expectAwsError(create({ Role: undefined }), 'ValidationException', 400, "1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null");
    await expectAwsError(create({ Role: 'lambda-role' }), 'ValidationException', 400, /at 'role' failed to satisfy constraint/);
  });

  it('refuses out-of-range sizes and times', async () => {
    await expectAwsError(create({ Timeout: 0 }), 'ValidationException', 400, "1 validation error detected: Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1");
    await expectAwsError(create({ Timeout: 901 }), 'ValidationException', 400, "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900");
    await expectAwsError(create({ MemorySize: 127 }), 'ValidationException', 400, /'127' at 'memorySize'.*greater than or equal to 128/);
    await expectAwsError(create({ MemorySize: 10241 }), 'ValidationException', 400, /'10241' at 'memorySize'.*less than or equal to 10240/);
    await expectAwsError(create({ EphemeralStorage: { Size: 511 } }), 'ValidationException', 400, /at 'ephemeralStorage.size'/);
    await expectAwsError(create({ EphemeralStorage: { Size: 10241 } }), 'ValidationException', 400, /at 'ephemeralStorage.size'/);
    await expectAwsError(create({ Description: 'x'.repeat(257) }), 'ValidationException', 400, /at 'description'/);
    await expectAwsError(create({ Architectures: ['sparc' as 'arm64'] }), 'ValidationException', 400, /at 'architectures'/);
    await expectAwsError(create({ Architectures: ['arm64', 'x86_64'] }), 'ValidationException', 400);
    await expectAwsError(create({ TracingConfig: { Mode: 'Sometimes' as 'Active' } }), 'ValidationException', 400);
    await expectAwsError(create({ LoggingConfig: { LogFormat: 'XML' as 'JSON' } }), 'ValidationException', 400);
  });

  it('refuses reserved environment variables, bad keys and more than 4 KB', async () => {
    await expectAwsError(
      create({ Environment: { Variables: { OK: '1', AWS_REGION: 'eu-west-1', LAMBDA_TASK_ROOT: '/', AWS_SESSION_TOKEN: 't' } } }),
      'InvalidParameterValueException',
      400,
      `${RESERVED_MESSAGE}AWS_REGION, LAMBDA_TASK_ROOT, AWS_SESSION_TOKEN`,
    );
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_DEFAULT_REGION', 'AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_RUNTIME_API', 'AWS_EXECUTION_ENV', 'LAMBDA_RUNTIME_DIR']) {
      await expectAwsError(create({ Environment: { Variables: { [key]: 'v' } } }), 'InvalidParameterValueException', 400, `${RESERVED_MESSAGE}${key}`);
    }
    // _HANDLER and _X_AMZN_TRACE_ID are reserved too, but the model's key pattern
    // (a letter first) refuses them before Lambda's own check does.
    for (const key of ['_HANDLER', '_X_AMZN_TRACE_ID']) {
      await expectAwsError(create({ Environment: { Variables: { [key]: 'v' } } }), 'ValidationException', 400, /at 'environment.variables'/);
    }
    await expectAwsError(create({ Environment: { Variables: { '1BAD': 'v' } } }), 'ValidationException', 400, /at 'environment.variables'/);
    await expectAwsError(
      create({ Environment: { Variables: { BIG: 'x'.repeat(4096) } } }),
      'InvalidParameterValueException',
      400,
      /^Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: \{"BIG":"x+"\}$/,
    );
    // Not reserved: a wrapper script, the time zone and X-Ray settings.
    const ok = await create({ FunctionName: 'env-ok', Environment: { Variables: { AWS_LAMBDA_EXEC_WRAPPER: '/opt/w', TZ: 'Europe/Paris', AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR' } } });
    expect(ok.Environment?.Variables?.TZ).toBe('Europe/Paris');
  });

  it('refuses a reserved key on update and leaves the function as it was', async () => {
    const before = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'existing' }));
    await expectAwsError(
      t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'existing', Timeout: 60, Environment: { Variables: { AWS_REGION: 'x' } } })),
      'InvalidParameterValueException',
      400,
      `${RESERVED_MESSAGE}AWS_REGION`,
    );
    const after = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'existing' }));
    expect(after).toMatchObject({ Timeout: before.Timeout, RevisionId: before.RevisionId });
  });

  it('refuses code Gust cannot take', async () => {
    await expectAwsError(create({ Code: { S3Bucket: 'b', S3Key: 'k' } }), 'InvalidParameterValueException', 400, /^Gust does not support Code.S3Bucket/);
    await expectAwsError(create({ Code: { ImageUri: 'repo/image:tag' } }), 'InvalidParameterValueException', 400, /Code.ImageUri/);
    await expectAwsError(create({ PackageType: 'Image', Code: { ImageUri: 'repo/image:tag' } }), 'InvalidParameterValueException', 400, /PackageType Image/);
    await expectAwsError(create({ Code: {} }), 'InvalidParameterValueException', 400);
    await expectAwsError(create({ Code: { ZipFile: Buffer.from('not a zip at all') } }), 'InvalidParameterValueException', 400);
    await expectAwsError(t.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'existing', S3Bucket: 'b', S3Key: 'k' })), 'InvalidParameterValueException', 400);
    await expectAwsError(create({ VpcConfig: { SubnetIds: ['subnet-1'] } }), 'InvalidParameterValueException', 400, /InvalidSubnetID.NotFound.*'subnet-1' does not exist/);
  });

  it('refuses duplicates, and names that are not this partition’s', async () => {
    await expectAwsError(create({ FunctionName: 'existing' }), 'ResourceConflictException', 409, 'Function already exist: existing');
    await expectAwsError(create({ FunctionName: 'existing:1' }), 'ValidationException', 400);
    await expectAwsError(create({ FunctionName: 'bad name!' }), 'ValidationException', 400);
    await expectAwsError(
      t.lambda.send(new GetFunctionCommand({ FunctionName: 'arn:aws:lambda:eu-west-1:000000000000:function:existing' })),
      'ResourceNotFoundException',
      404,
      "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')",
    );
    await expectAwsError(t.lambda.send(new GetFunctionCommand({ FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:existing' })), 'InvalidParameterValueException', 400);
  });

  it('reports missing functions, versions and aliases with the ARN asked for', async () => {
    await expectAwsError(t.lambda.send(new GetFunctionCommand({ FunctionName: 'ghost' })), 'ResourceNotFoundException', 404, `Function not found: ${ARN('ghost')}`);
    await expectAwsError(t.lambda.send(new GetFunctionCommand({ FunctionName: 'ghost', Qualifier: '3' })), 'ResourceNotFoundException', 404, `Function not found: ${ARN('ghost')}:3`);
    await expectAwsError(t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'existing:7' })), 'ResourceNotFoundException', 404, `Function not found: ${ARN('existing')}:7`);
    await expectAwsError(t.lambda.send(new GetFunctionCommand({ FunctionName: 'existing', Qualifier: 'prod' })), 'ResourceNotFoundException', 404, `Function not found: ${ARN('existing')}:prod`);
    await expectAwsError(
      t.lambda.send(new GetFunctionCommand({ FunctionName: 'existing:1', Qualifier: '2' })),
      'InvalidParameterValueException',
      400,
      'The derived qualifier from the function name does not match the specified qualifier.',
    );
    await expectAwsError(t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'ghost', Timeout: 5 })), 'ResourceNotFoundException', 404, `Function not found: ${ARN('ghost')}`);
    await expectAwsError(t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'existing:1', Timeout: 5 })), 'InvalidParameterValueException', 400);
    await expectAwsError(t.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'ghost', ZipFile: zip })), 'ResourceNotFoundException', 404);
  });

  it('checks layers: existence, region, count, duplicates and the resolved sizes', async () => {
    const layerZip = await makeZip({ 'nodejs/node_modules/dep/index.js': 'module.exports = 1;\n' });
    const l1 = await t.lambda.send(new PublishLayerVersionCommand({ LayerName: 'dep', Content: { ZipFile: layerZip } }));
    const l2 = await t.lambda.send(new PublishLayerVersionCommand({ LayerName: 'dep', Content: { ZipFile: layerZip } }));
    const withLayer = await create({ FunctionName: 'layered', Layers: [l1.LayerVersionArn!] });
    expect(withLayer.Layers).toEqual([{ Arn: l1.LayerVersionArn, CodeSize: layerZip.length }]);

    const missing = 'arn:aws:lambda:us-east-1:000000000000:layer:nope:1';
    await expectAwsError(create({ Layers: [missing] }), 'InvalidParameterValueException', 400, `Layer version ${missing} does not exist.`);
    await expectAwsError(create({ Layers: ['arn:aws:lambda:eu-west-1:000000000000:layer:dep:1'] }), 'InvalidParameterValueException', 400, /same region/);
    await expectAwsError(create({ Layers: ['not-an-arn'] }), 'ValidationException', 400, /at 'layers'/);
    await expectAwsError(create({ Layers: Array(6).fill(l1.LayerVersionArn!) }), 'InvalidParameterValueException', 400, 'Cannot reference more than 5 layers.');
    await expectAwsError(create({ Layers: [l1.LayerVersionArn!, l2.LayerVersionArn!] }), 'InvalidParameterValueException', 400, /Two different versions of the same layer/);

    const cleared = await t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'layered', Layers: [] }));
    expect(cleared.Layers).toBeUndefined();
  });

  it('answers malformed JSON and wrong member types with InvalidRequestContentException', async () => {
    const post = (body: string) => fetch(`${t.url}/2015-03-31/functions`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    for (const body of ['{not json', '[1,2]', JSON.stringify({ ...base(), Code: { ZipFile: zip.toString('base64') }, Timeout: 'abc' })]) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(response.headers.get('x-amzn-errortype')).toBe('InvalidRequestContentException');
      expect(await response.json()).toMatchObject({ Type: 'User' });
    }
    const badZip = await post(JSON.stringify({ ...base(), Code: { ZipFile: '***' } }));
    expect(badZip.headers.get('x-amzn-errortype')).toBe('InvalidRequestContentException');
  });

  it('applies LoggingConfig as Lambda does: JSON brings log levels, Text drops them', async () => {
    const json = await t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'existing', LoggingConfig: { LogFormat: 'JSON' } }));
    expect(json.LoggingConfig).toEqual({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'INFO', LogGroup: '/aws/lambda/existing' });
    const text = await t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'existing', LoggingConfig: { LogFormat: 'Text' } }));
    expect(text.LoggingConfig).toEqual({ LogFormat: 'Text', LogGroup: '/aws/lambda/existing' });
  });
});
