/**
 * The function lifecycle through the real SDK against a real server: create, the
 * Pending → Active and InProgress → Successful transitions with the SDK's waiters,
 * reads in every addressing form, updates, versions, code download, deletion.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { createHash } from 'node:crypto';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { ARN_PREFIX, expectAwsError, ROLE } from '../helpers/lambda.js';
import { makeZip } from '../helpers/zips.js';

const WAIT = { maxWaitTime: 10, minDelay: 1, maxDelay: 1 };

describe('function lifecycle', () => {
  let t: TestGust;
  let zip: Buffer;

  beforeAll(async () => {
    t = await startTestGust();
    zip = await makeZip();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('creates a function Pending, then Active, with the AWS configuration shape', async () => {
    const created = await t.lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'hello',
        Runtime: 'nodejs20.x',
        Role: ROLE,
        Handler: 'index.handler',
        Code: { ZipFile: zip },
        Description: 'first',
        Environment: { Variables: { GREETING: 'hi' } },
        Tags: { team: 'core' },
      }),
    );
    expect(created.$metadata.httpStatusCode).toBe(201);
    expect(created).toMatchObject({
      FunctionName: 'hello',
      FunctionArn: `${ARN_PREFIX}hello`,
      Runtime: 'nodejs20.x',
      Role: ROLE,
      Handler: 'index.handler',
      CodeSize: zip.length,
      CodeSha256: createHash('sha256').update(zip).digest('base64'),
      Description: 'first',
      Timeout: 3,
      MemorySize: 128,
      Version: '$LATEST',
      Environment: { Variables: { GREETING: 'hi' } },
      TracingConfig: { Mode: 'PassThrough' },
      PackageType: 'Zip',
      Architectures: ['x86_64'],
      EphemeralStorage: { Size: 512 },
      SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
      LoggingConfig: { LogFormat: 'Text', LogGroup: '/aws/lambda/hello' },
      State: 'Pending',
      StateReason: 'The function is being created.',
      StateReasonCode: 'Creating',
    });
    expect(created.LastUpdateStatus).toBeUndefined();
    expect(created.RevisionId).toMatch(/^[0-9a-f-]{36}$/);
    // The SDK parses LastModified as a string; AWS's form has a +0000 offset.
    expect(created.LastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);

    await waitUntilFunctionActiveV2({ client: t.lambda, ...WAIT }, { FunctionName: 'hello' });
    const got = await t.lambda.send(new GetFunctionCommand({ FunctionName: 'hello' }));
    expect(got.Configuration).toMatchObject({ State: 'Active', LastUpdateStatus: 'Successful' });
    expect(got.Configuration?.StateReason).toBeUndefined();
    // Lambda hands out a new RevisionId once the function is Active.
    expect(got.Configuration?.RevisionId).not.toBe(created.RevisionId);
    expect(got.Tags).toEqual({ team: 'core' });
    expect(got.Concurrency).toBeUndefined();
    expect(got.Code?.RepositoryType).toBe('S3');
  });

  it('serves the code at Code.Location, byte for byte', async () => {
    const got = await t.lambda.send(new GetFunctionCommand({ FunctionName: 'hello' }));
    const response = await fetch(got.Code!.Location!);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(Buffer.from(await response.arrayBuffer()).equals(zip)).toBe(true);
    const missing = await fetch(`${t.url}/gust/code/${'0'.repeat(64)}.zip`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
  });

  it('finds the function by name, full ARN, partial ARN and with $LATEST', async () => {
    for (const FunctionName of ['hello', `${ARN_PREFIX}hello`, '000000000000:function:hello']) {
      const config = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName }));
      expect(config.FunctionArn).toBe(`${ARN_PREFIX}hello`);
    }
    const latest = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'hello:$LATEST' }));
    expect(latest.FunctionArn).toBe(`${ARN_PREFIX}hello:$LATEST`);
    const viaQualifier = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `${ARN_PREFIX}hello`, Qualifier: '$LATEST' }));
    expect(viaQualifier.Version).toBe('$LATEST');
    // Raw paths: URL-encoded ARN and a trailing slash.
    const encoded = await fetch(`${t.url}/2015-03-31/functions/${encodeURIComponent(`${ARN_PREFIX}hello`)}/configuration/`);
    expect(encoded.status).toBe(200);
    expect(((await encoded.json()) as { FunctionName: string }).FunctionName).toBe('hello');
  });

  it('reports updates InProgress, then Successful, and refuses a stale RevisionId', async () => {
    const before = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'hello' }));
    const updated = await t.lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: 'hello', Timeout: 30, MemorySize: 256, RevisionId: before.RevisionId }),
    );
    expect(updated).toMatchObject({
      Timeout: 30,
      MemorySize: 256,
      Description: 'first',
      LastUpdateStatus: 'InProgress',
      LastUpdateStatusReason: 'The function is being created.',
      LastUpdateStatusReasonCode: 'Creating',
      State: 'Active',
    });
    expect(updated.RevisionId).not.toBe(before.RevisionId);
    await waitUntilFunctionUpdatedV2({ client: t.lambda, ...WAIT }, { FunctionName: 'hello' });
    const after = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'hello' }));
    expect(after.LastUpdateStatus).toBe('Successful');
    expect(after.LastUpdateStatusReason).toBeUndefined();

    await expectAwsError(
      t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'hello', Timeout: 5, RevisionId: before.RevisionId })),
      'PreconditionFailedException',
      412,
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
    );
    await expectAwsError(
      t.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'hello', ZipFile: zip, RevisionId: before.RevisionId })),
      'PreconditionFailedException',
      412,
    );
  });

  it('updates the code, with DryRun changing nothing and Publish returning the version', async () => {
    const newZip = await makeZip({ 'index.js': 'exports.handler = async () => 2;\n' });
    const newSha = createHash('sha256').update(newZip).digest('base64');
    const before = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'hello' }));

    const dry = await t.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'hello', ZipFile: newZip, DryRun: true }));
    expect(dry.CodeSha256).toBe(newSha);
    const unchanged = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'hello' }));
    expect(unchanged.CodeSha256).toBe(before.CodeSha256);
    expect(unchanged.RevisionId).toBe(before.RevisionId);

    const published = await t.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'hello', ZipFile: newZip, Publish: true }));
    expect(published).toMatchObject({ Version: '1', FunctionArn: `${ARN_PREFIX}hello:1`, CodeSha256: newSha, CodeSize: newZip.length, State: 'Pending' });
    await waitUntilFunctionUpdatedV2({ client: t.lambda, ...WAIT }, { FunctionName: 'hello' });
    await waitUntilFunctionActiveV2({ client: t.lambda, ...WAIT }, { FunctionName: 'hello', Qualifier: '1' });
    const v1 = await t.lambda.send(new GetFunctionCommand({ FunctionName: 'hello', Qualifier: '1' }));
    expect(v1.Configuration).toMatchObject({ Version: '1', FunctionArn: `${ARN_PREFIX}hello:1`, State: 'Active', Timeout: 30 });
    // Published versions are never updated, so Lambda shows no update status for them.
    expect(v1.Configuration?.LastUpdateStatus).toBeUndefined();
    const code = await fetch(v1.Code!.Location!);
    expect(Buffer.from(await code.arrayBuffer()).equals(newZip)).toBe(true);
  });

  it('publishes versions with CodeSha256 and RevisionId preconditions, returning the last one when nothing changed', async () => {
    const latest = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'hello' }));
    const again = await t.lambda.send(new PublishVersionCommand({ FunctionName: 'hello' }));
    expect(again.Version).toBe('1');

    await expectAwsError(
      t.lambda.send(new PublishVersionCommand({ FunctionName: 'hello', CodeSha256: 'bm90LXRoZS1oYXNo' })),
      'InvalidParameterValueException',
      400,
      `CodeSHA256 (bm90LXRoZS1oYXNo) is different from current CodeSHA256 in $LATEST (${latest.CodeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
    );
    await expectAwsError(t.lambda.send(new PublishVersionCommand({ FunctionName: 'hello', RevisionId: 'stale' })), 'PreconditionFailedException', 412);

    await t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'hello', Environment: { Variables: { GREETING: 'hello' } } }));
    await waitUntilFunctionUpdatedV2({ client: t.lambda, ...WAIT }, { FunctionName: 'hello' });
    const current = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'hello' }));
    const v2 = await t.lambda.send(
      new PublishVersionCommand({ FunctionName: 'hello', Description: 'second', CodeSha256: current.CodeSha256, RevisionId: current.RevisionId }),
    );
    expect(v2.$metadata.httpStatusCode).toBe(201);
    expect(v2).toMatchObject({ Version: '2', Description: 'second', FunctionArn: `${ARN_PREFIX}hello:2`, Environment: { Variables: { GREETING: 'hello' } } });
    // Publishing gives $LATEST a new RevisionId too.
    const after = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'hello' }));
    expect(after.RevisionId).not.toBe(current.RevisionId);
  });

  it('deletes a version, refuses $LATEST and unknown versions, then deletes the function', async () => {
    await expectAwsError(
      t.lambda.send(new DeleteFunctionCommand({ FunctionName: 'hello', Qualifier: '$LATEST' })),
      'InvalidParameterValueException',
      400,
      '$LATEST version cannot be deleted without deleting the function.',
    );
    await expectAwsError(
      t.lambda.send(new DeleteFunctionCommand({ FunctionName: 'hello', Qualifier: '9' })),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN_PREFIX}hello:9`,
    );
    const deleted = await t.lambda.send(new DeleteFunctionCommand({ FunctionName: 'hello:1' }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    await expectAwsError(t.lambda.send(new GetFunctionCommand({ FunctionName: 'hello', Qualifier: '1' })), 'ResourceNotFoundException', 404, `Function not found: ${ARN_PREFIX}hello:1`);

    await t.lambda.send(new DeleteFunctionCommand({ FunctionName: `${ARN_PREFIX}hello` }));
    await expectAwsError(t.lambda.send(new GetFunctionCommand({ FunctionName: 'hello' })), 'ResourceNotFoundException', 404, `Function not found: ${ARN_PREFIX}hello`);
    await expectAwsError(t.lambda.send(new DeleteFunctionCommand({ FunctionName: 'hello' })), 'ResourceNotFoundException', 404);
  });

  it('numbers versions on from the highest ever published, and creates with Publish', async () => {
    const created = await t.lambda.send(
      new CreateFunctionCommand({ FunctionName: 'published', Runtime: 'python3.12', Role: ROLE, Handler: 'app.handler', Code: { ZipFile: zip }, Publish: true }),
    );
    expect(created.Version).toBe('1');
    await waitUntilFunctionActiveV2({ client: t.lambda, ...WAIT }, { FunctionName: 'published', Qualifier: '1' });
    await t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'published', Description: 'changed' }));
    await waitUntilFunctionUpdatedV2({ client: t.lambda, ...WAIT }, { FunctionName: 'published' });
    await t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'published', Timeout: 9 }));
    await waitUntilFunctionUpdatedV2({ client: t.lambda, ...WAIT }, { FunctionName: 'published' });
    expect((await t.lambda.send(new PublishVersionCommand({ FunctionName: 'published' }))).Version).toBe('2');
    await t.lambda.send(new DeleteFunctionCommand({ FunctionName: 'published', Qualifier: '2' }));
    await t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'published', Timeout: 10 }));
    await waitUntilFunctionUpdatedV2({ client: t.lambda, ...WAIT }, { FunctionName: 'published' });
    expect((await t.lambda.send(new PublishVersionCommand({ FunctionName: 'published' }))).Version).toBe('3');
  });
});
