/**
 * Resource-based policies over the wire, on a real server with real SQLite: AddPermission,
 * GetPolicy and RemovePermission from SDK v3 and Debian's aws CLI, the requests SAM and
 * CDK (through CloudFormation's AWS::Lambda::Permission) and Terraform's
 * aws_lambda_permission send, AWS's errors, RevisionId preconditions, versions and aliases,
 * and policies surviving a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AddPermissionCommand,
  CreateAliasCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetPolicyCommand,
  PublishVersionCommand,
  RemovePermissionCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliMissing, awsLambda } from '../helpers/aws-cli.js';
import { newDataDir, startTestGust, type TestGust } from '../helpers/gust.js';
import { ARN_PREFIX, createFunction, expectAwsError } from '../helpers/lambda.js';

const FN = { files: { 'index.js': 'exports.handler = async () => "hello";' } };

let t: TestGust;
let work: string;
const cli = awsLambda(() => ({ endpoint: t.url, cwd: work }));

/** The parsed policy document of a function, version or alias. */
async function statements(lambda: LambdaClient, name: string, qualifier?: string): Promise<Record<string, unknown>[]> {
  const got = await lambda.send(new GetPolicyCommand({ FunctionName: name, Qualifier: qualifier }));
  const doc = JSON.parse(got.Policy!) as { Version: string; Id: string; Statement: Record<string, unknown>[] };
  expect([doc.Version, doc.Id]).toEqual(['2012-10-17', 'default']);
  return doc.Statement;
}

beforeAll(async () => {
  t = await startTestGust();
  work = mkdtempSync(join(tmpdir(), 'gust-policy-cli-'));
  for (const name of ['sdk', 'cli', 'tools', 'versions']) await createFunction(t.lambda, name, FN);
});
afterAll(async () => {
  await t?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('SDK v3', () => {
  it('adds, reads and removes statements, with their exact shapes and status codes', async () => {
    const added = await t.lambda.send(
      new AddPermissionCommand({ FunctionName: 'sdk', StatementId: 's3', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: 'arn:aws:s3:::photos', SourceAccount: '000000000000' }),
    );
    expect(added.$metadata.httpStatusCode).toBe(201);
    expect(added.Statement).toBe(
      `{"Sid":"s3","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"${ARN_PREFIX}sdk",` +
        '"Condition":{"StringEquals":{"AWS:SourceAccount":"000000000000"},"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::photos"}}}',
    );
    await t.lambda.send(new AddPermissionCommand({ FunctionName: `${ARN_PREFIX}sdk`, StatementId: 'xaccount', Action: 'lambda:InvokeFunction', Principal: '123456789012' }));
    await t.lambda.send(new AddPermissionCommand({ FunctionName: 'sdk', StatementId: 'public.url', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' }));

    const got = await t.lambda.send(new GetPolicyCommand({ FunctionName: 'sdk' }));
    const latest = await t.lambda.send(new GetFunctionCommand({ FunctionName: 'sdk' }));
    expect(got.RevisionId).toBe(latest.Configuration!.RevisionId);
    expect(JSON.parse(got.Policy!)).toEqual({
      Version: '2012-10-17',
      Id: 'default',
      Statement: [
        JSON.parse(added.Statement!),
        { Sid: 'xaccount', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'lambda:InvokeFunction', Resource: `${ARN_PREFIX}sdk` },
        { Sid: 'public.url', Effect: 'Allow', Principal: '*', Action: 'lambda:InvokeFunctionUrl', Resource: `${ARN_PREFIX}sdk`, Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } } },
      ],
    });

    const removed = await t.lambda.send(new RemovePermissionCommand({ FunctionName: 'sdk', StatementId: 'public.url' }));
    expect(removed.$metadata.httpStatusCode).toBe(204);
    expect((await statements(t.lambda, 'sdk')).map((s) => s.Sid)).toEqual(['s3', 'xaccount']);
  });

  it("answers AWS's errors", async () => {
    await expectAwsError(
      t.lambda.send(new AddPermissionCommand({ FunctionName: 'sdk', StatementId: 's3', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com' })),
      'ResourceConflictException',
      409,
      'The statement id (s3) provided already exists. Please provide a new statement id, or remove the existing statement.',
    );
    await expectAwsError(
      t.lambda.send(new AddPermissionCommand({ FunctionName: 'sdk', StatementId: 'bad/id', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com' })),
      'ValidationException',
      400,
      "1 validation error detected: Value 'bad/id' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)",
    );
    await expectAwsError(
      t.lambda.send(new AddPermissionCommand({ FunctionName: 'sdk', StatementId: 'p', Action: 'lambda:InvokeFunction', Principal: 'not a principal?' })),
      'ValidationException',
      400,
    );
    await expectAwsError(
      t.lambda.send(new AddPermissionCommand({ FunctionName: 'sdk', StatementId: 'p', Action: 'lambda:InvokeFunction', Principal: 'bob' })),
      'InvalidParameterValueException',
      400,
      'The provided principal was invalid. Please check the principal and try again.',
    );
    await expectAwsError(
      t.lambda.send(new AddPermissionCommand({ FunctionName: 'sdk', Qualifier: '$LATEST', StatementId: 'p', Action: 'lambda:InvokeFunction', Principal: '*' })),
      'InvalidParameterValueException',
      400,
      'We currently do not support adding policies for $LATEST.',
    );
    await expectAwsError(
      t.lambda.send(new AddPermissionCommand({ FunctionName: 'ghost', StatementId: 'p', Action: 'lambda:InvokeFunction', Principal: '*' })),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN_PREFIX}ghost`,
    );
    await expectAwsError(t.lambda.send(new GetPolicyCommand({ FunctionName: 'cli' })), 'ResourceNotFoundException', 404, 'The resource you requested does not exist.');
    await expectAwsError(t.lambda.send(new GetPolicyCommand({ FunctionName: 'ghost' })), 'ResourceNotFoundException', 404, `Function not found: ${ARN_PREFIX}ghost`);
    await expectAwsError(t.lambda.send(new RemovePermissionCommand({ FunctionName: 'cli', StatementId: 's3' })), 'ResourceNotFoundException', 404, 'No policy is associated with the given resource.');
    await expectAwsError(t.lambda.send(new RemovePermissionCommand({ FunctionName: 'sdk', StatementId: 'nope' })), 'ResourceNotFoundException', 404, 'Statement nope is not found in resource policy.');
  });

  it('refuses a stale RevisionId with PreconditionFailedException and takes the current one', async () => {
    const { RevisionId } = await t.lambda.send(new GetPolicyCommand({ FunctionName: 'sdk' }));
    await t.lambda.send(new AddPermissionCommand({ FunctionName: 'sdk', StatementId: 'rev', Action: 'lambda:GetFunction', Principal: '123456789012', RevisionId }));
    await expectAwsError(
      t.lambda.send(new AddPermissionCommand({ FunctionName: 'sdk', StatementId: 'rev2', Action: 'lambda:GetFunction', Principal: '123456789012', RevisionId })),
      'PreconditionFailedException',
      412,
      'The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id',
    );
    await expectAwsError(t.lambda.send(new RemovePermissionCommand({ FunctionName: 'sdk', StatementId: 'rev', RevisionId })), 'PreconditionFailedException', 412);
    const current = (await t.lambda.send(new GetPolicyCommand({ FunctionName: 'sdk' }))).RevisionId;
    await t.lambda.send(new RemovePermissionCommand({ FunctionName: 'sdk', StatementId: 'rev', RevisionId: current }));
  });
});

describe('versions and aliases', () => {
  it('gives each version and alias its own policy, which goes with it', async () => {
    const v1 = await t.lambda.send(new PublishVersionCommand({ FunctionName: 'versions' }));
    await t.lambda.send(new CreateAliasCommand({ FunctionName: 'versions', Name: 'live', FunctionVersion: v1.Version }));
    // The same statement id in each policy: ids are unique per policy only.
    for (const Qualifier of ['1', 'live']) {
      await t.lambda.send(new AddPermissionCommand({ FunctionName: 'versions', Qualifier, StatementId: 'events', Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com' }));
    }
    // A qualifier as a suffix of the name, as SAM's alias ARNs give it.
    await t.lambda.send(new AddPermissionCommand({ FunctionName: `${ARN_PREFIX}versions:live`, StatementId: 'sqs', Action: 'lambda:InvokeFunction', Principal: 'sqs.amazonaws.com' }));
    await expectAwsError(t.lambda.send(new GetPolicyCommand({ FunctionName: 'versions' })), 'ResourceNotFoundException', 404);
    expect((await statements(t.lambda, 'versions', '1')).map((s) => s.Resource)).toEqual([`${ARN_PREFIX}versions:1`]);
    expect((await statements(t.lambda, 'versions:live')).map((s) => [s.Sid, s.Resource])).toEqual([
      ['events', `${ARN_PREFIX}versions:live`],
      ['sqs', `${ARN_PREFIX}versions:live`],
    ]);
    const alias = await t.lambda.send(new GetAliasCommand({ FunctionName: 'versions', Name: 'live' }));
    expect((await t.lambda.send(new GetPolicyCommand({ FunctionName: 'versions', Qualifier: 'live' }))).RevisionId).toBe(alias.RevisionId);

    await t.lambda.send(new DeleteAliasCommand({ FunctionName: 'versions', Name: 'live' }));
    await t.lambda.send(new CreateAliasCommand({ FunctionName: 'versions', Name: 'live', FunctionVersion: '1' }));
    await expectAwsError(t.lambda.send(new GetPolicyCommand({ FunctionName: 'versions', Qualifier: 'live' })), 'ResourceNotFoundException', 404);
    await t.lambda.send(new DeleteAliasCommand({ FunctionName: 'versions', Name: 'live' }));
    await t.lambda.send(new DeleteFunctionCommand({ FunctionName: 'versions', Qualifier: '1' }));
    await expectAwsError(t.lambda.send(new GetPolicyCommand({ FunctionName: 'versions', Qualifier: '1' })), 'ResourceNotFoundException', 404);
  });
});

describe('deploy tools', () => {
  it("takes SAM's and CDK's AWS::Lambda::Permission (CloudFormation's statement ids, alias ARNs, SourceAccount)", async () => {
    await t.lambda.send(new PublishVersionCommand({ FunctionName: 'tools' }));
    await t.lambda.send(new CreateAliasCommand({ FunctionName: 'tools', Name: 'live', FunctionVersion: '1' }));
    // SAM: an S3 event on a function with AutoPublishAlias; CloudFormation names the statement after the stack and resource.
    const sam = await t.lambda.send(
      new AddPermissionCommand({
        FunctionName: `${ARN_PREFIX}tools:live`,
        StatementId: 'sam-app-ToolsPhotoUploadPermission-1A2B3C4D5E6F7',
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceAccount: '000000000000',
        SourceArn: 'arn:aws:s3:::sam-app-photos',
      }),
    );
    expect(JSON.parse(sam.Statement!)).toMatchObject({ Resource: `${ARN_PREFIX}tools:live`, Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::sam-app-photos' } } });
    // CDK: rule.addTarget(new LambdaFunction(fn)) and fn.addFunctionUrl({ authType: NONE }) (its invokeFunctionUrl and InvokedViaFunctionUrl grants).
    await t.lambda.send(
      new AddPermissionCommand({
        FunctionName: 'tools',
        StatementId: 'CdkStack-NightlyAllowEventRuleCdkStackTools12AB34CD-Xy9Zk3LmNoPq',
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: 'arn:aws:events:us-east-1:000000000000:rule/CdkStack-Nightly-ABCDEF',
      }),
    );
    await t.lambda.send(new AddPermissionCommand({ FunctionName: 'tools', StatementId: 'CdkStack-ToolsinvokefunctionurlABCD-1234', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' }));
    const viaUrl = await t.lambda.send(
      new AddPermissionCommand({ FunctionName: 'tools', StatementId: 'CdkStack-ToolsinvokefunctionABCD-5678', Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true }),
    );
    expect(JSON.parse(viaUrl.Statement!)).toMatchObject({ Principal: '*', Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } } });
    // CDK's OrganizationPrincipal.
    await t.lambda.send(new AddPermissionCommand({ FunctionName: 'tools', StatementId: 'org', Action: 'lambda:InvokeFunction', Principal: '*', PrincipalOrgID: 'o-a1b2c3d4e5' }));
    expect((await statements(t.lambda, 'tools')).find((s) => s.Sid === 'org')).toMatchObject({ Principal: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } });
  });

  it("takes Terraform's aws_lambda_permission: create with a Qualifier, read back by Sid, delete", async () => {
    // Terraform's default statement id, `terraform-` and a timestamp-based suffix; the qualifier as a query parameter.
    const sid = 'terraform-20261204053000123400000001';
    await t.lambda.send(
      new AddPermissionCommand({
        FunctionName: 'tools',
        Qualifier: 'live',
        StatementId: sid,
        Action: 'lambda:InvokeFunction',
        Principal: 'sqs.amazonaws.com',
        SourceArn: 'arn:aws:sqs:us-east-1:000000000000:jobs',
        EventSourceToken: 'tok-1.2_3',
      }),
    );
    // What Terraform's read parses: Principal.Service, Condition.ArnLike["AWS:SourceArn"], Condition.StringEquals["lambda:EventSourceToken"].
    expect((await statements(t.lambda, 'tools', 'live')).find((s) => s.Sid === sid)).toEqual({
      Sid: sid,
      Effect: 'Allow',
      Principal: { Service: 'sqs.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Resource: `${ARN_PREFIX}tools:live`,
      Condition: { StringEquals: { 'lambda:EventSourceToken': 'tok-1.2_3' }, ArnLike: { 'AWS:SourceArn': 'arn:aws:sqs:us-east-1:000000000000:jobs' } },
    });
    await t.lambda.send(new RemovePermissionCommand({ FunctionName: 'tools', Qualifier: 'live', StatementId: sid }));
    expect((await statements(t.lambda, 'tools', 'live')).map((s) => s.Sid)).toEqual(['sam-app-ToolsPhotoUploadPermission-1A2B3C4D5E6F7']);
  });
});

describe.skipIf(awsCliMissing('aws CLI policy suite'))("Debian's aws CLI", () => {
  it('runs add-permission, get-policy and remove-permission, and reports their errors', async () => {
    const added = await cli.ok('add-permission', '--function-name', 'cli', '--statement-id', 'events', '--action', 'lambda:InvokeFunction', '--principal', 'events.amazonaws.com', '--source-arn', 'arn:aws:events:us-east-1:000000000000:rule/nightly');
    expect(JSON.parse(added.Statement as string)).toEqual({
      Sid: 'events',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Resource: `${ARN_PREFIX}cli`,
      Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:events:us-east-1:000000000000:rule/nightly' } },
    });
    const got = await cli.ok('get-policy', '--function-name', 'cli');
    expect(JSON.parse(got.Policy as string)).toMatchObject({ Statement: [{ Sid: 'events' }] });
    expect(got.RevisionId).toEqual(expect.any(String));

    const again = await cli.aws('add-permission', '--function-name', 'cli', '--statement-id', 'events', '--action', 'lambda:InvokeFunction', '--principal', 'events.amazonaws.com');
    expect(again.code).not.toBe(0);
    // With AWS_MAX_ATTEMPTS=1 the CLI says "(reached max retries: 0)" in every error line.
    expect(again.stderr).toMatch(
      /An error occurred \(ResourceConflictException\) when calling the AddPermission operation( \(reached max retries: 0\))?: The statement id \(events\) provided already exists\. Please provide a new statement id, or remove the existing statement\./,
    );
    expect((await cli.ok('remove-permission', '--function-name', 'cli', '--statement-id', 'events'))).toEqual({});
    const gone = await cli.aws('get-policy', '--function-name', 'cli');
    expect(gone.stderr).toMatch(/An error occurred \(ResourceNotFoundException\) when calling the GetPolicy operation( \(reached max retries: 0\))?: The resource you requested does not exist\./);
  });
});

describe('restart', () => {
  it('keeps every policy and its RevisionId across a restart', async () => {
    const dataDir = newDataDir();
    try {
      const first = await startTestGust({ dataDir });
      let before: unknown[];
      try {
        await createFunction(first.lambda, 'kept', FN);
        await first.lambda.send(new PublishVersionCommand({ FunctionName: 'kept' }));
        await first.lambda.send(new CreateAliasCommand({ FunctionName: 'kept', Name: 'live', FunctionVersion: '1' }));
        for (const Qualifier of [undefined, '1', 'live']) {
          await first.lambda.send(new AddPermissionCommand({ FunctionName: 'kept', Qualifier, StatementId: 'a', Action: 'lambda:InvokeFunction', Principal: '123456789012' }));
        }
        before = await Promise.all([undefined, '1', 'live'].map((Qualifier) => first.lambda.send(new GetPolicyCommand({ FunctionName: 'kept', Qualifier })).then(({ $metadata: _m, ...rest }) => rest)));
      } finally {
        await first.stop();
      }
      const second = await startTestGust({ dataDir });
      try {
        const after = await Promise.all([undefined, '1', 'live'].map((Qualifier) => second.lambda.send(new GetPolicyCommand({ FunctionName: 'kept', Qualifier })).then(({ $metadata: _m, ...rest }) => rest)));
        expect(after).toEqual(before);
        // Deleting the function drops every policy with it; a new function of that name starts without one.
        await second.lambda.send(new DeleteFunctionCommand({ FunctionName: 'kept' }));
        await createFunction(second.lambda, 'kept', FN);
        await expectAwsError(second.lambda.send(new GetPolicyCommand({ FunctionName: 'kept' })), 'ResourceNotFoundException', 404);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
