/**
 * AddPermission, RemovePermission and GetPolicy through the FunctionService, on the real
 * SQLite store: AWS's validation and messages in their order, the statement and document
 * shapes, RevisionIds, one policy per function, version and alias, and what deleting a
 * version or alias does to its policy. The wire (the SDK, the aws CLI, deploy tools'
 * request shapes) is test/policy/'s.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failure, handlerZip, nodeFunction, openFunctionFixture, settle, type FunctionFixture } from '../../../test/helpers/functions.js';
import { FunctionService } from '../function-service.js';
import type { AddPermissionInput } from './permission-input.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:f';

describe('resource policies', () => {
  let fixture: FunctionFixture;
  let fns: FunctionService;
  const s3 = (over: Partial<AddPermissionInput> = {}): AddPermissionInput => ({
    functionName: 'f',
    statementId: 's3',
    action: 'lambda:InvokeFunction',
    principal: 's3.amazonaws.com',
    sourceArn: 'arn:aws:s3:::photos',
    sourceAccount: '000000000000',
    ...over,
  });

  beforeEach(async () => {
    fixture = await openFunctionFixture({ startMs: Date.UTC(2026, 0, 1) });
    fns = fixture.functions;
    await fns.createFunction(nodeFunction('f', await handlerZip()));
    await settle();
  });
  afterEach(() => fixture.close());

  it('adds a statement as AWS writes it and returns the document and the RevisionId of $LATEST', async () => {
    const before = fns.getVersionSync('f', '$LATEST')!.revisionId;
    const statement = await fns.addPermission(s3());
    expect(JSON.stringify(statement)).toBe(
      `{"Sid":"s3","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"${ARN}",` +
        '"Condition":{"StringEquals":{"AWS:SourceAccount":"000000000000"},"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::photos"}}}',
    );
    const after = fns.getVersionSync('f', '$LATEST')!.revisionId;
    expect(after).not.toBe(before);
    await fns.addPermission({ functionName: 'f', statementId: 'xaccount', action: 'lambda:InvokeFunction', principal: '223456789012' });
    const view = fns.getPolicy('f', undefined);
    expect(view.revisionId).toBe(fns.getVersionSync('f', '$LATEST')!.revisionId);
    expect(JSON.parse(view.policy)).toEqual({
      Version: '2012-10-17',
      Id: 'default',
      Statement: [statement, { Sid: 'xaccount', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::223456789012:root' }, Action: 'lambda:InvokeFunction', Resource: ARN }],
    });
    expect(view.policy.startsWith('{"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"s3"')).toBe(true);
    // $LATEST reads the function's own policy.
    expect(fns.getPolicy('f', '$LATEST')).toEqual(view);
  });

  it('refuses what the API model refuses, naming every violation', async () => {
    expect(await failure(fns.addPermission(s3({ statementId: 'bad id!' })))).toEqual({
      type: 'ValidationException',
      message: "1 validation error detected: Value 'bad id!' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)",
    });
    const many = await failure(fns.addPermission({ functionName: 'f', statementId: 'x'.repeat(101), action: 'InvokeFunction', principal: undefined, sourceAccount: '12', functionUrlAuthType: 'BASIC' }));
    expect(many.type).toBe('ValidationException');
    expect(many.message).toBe(
      '5 validation errors detected: ' +
        `Value '${'x'.repeat(101)}' at 'statementId' failed to satisfy constraint: Member must have length less than or equal to 100; ` +
        "Value 'InvokeFunction' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*]); " +
        "Value null at 'principal' failed to satisfy constraint: Member must not be null; " +
        "Value '12' at 'sourceAccount' failed to satisfy constraint: Member must satisfy regular expression pattern: \\d{12}; " +
        "Value 'BASIC' at 'functionUrlAuthType' failed to satisfy constraint: Member must satisfy enum value set: [AWS_IAM, NONE]",
    );
    expect(await failure(fns.addPermission(s3({ sourceArn: 'photos' })))).toMatchObject({ type: 'ValidationException' });
    expect(await failure(fns.addPermission(s3({ principalOrgId: 'org-1' })))).toMatchObject({ type: 'ValidationException' });
  });

  it("refuses principals Lambda does not take, $LATEST, a missing function, version or alias, and URL conditions on other actions", async () => {
    expect(await failure(fns.addPermission(s3({ principal: 'someone' })))).toEqual({
      type: 'InvalidParameterValueException',
      message: 'The provided principal was invalid. Please check the principal and try again.',
    });
    expect(await failure(fns.addPermission(s3({ qualifier: '$LATEST' })))).toEqual({ type: 'InvalidParameterValueException', message: 'We currently do not support adding policies for $LATEST.' });
    expect(await failure(fns.addPermission(s3({ functionName: 'nope' })))).toEqual({ type: 'ResourceNotFoundException', message: `Function not found: ${ARN.replace(/f$/, 'nope')}` });
    expect(await failure(fns.addPermission(s3({ qualifier: '3' })))).toEqual({ type: 'ResourceNotFoundException', message: `Function not found: ${ARN}:3` });
    expect(await failure(fns.addPermission(s3({ qualifier: 'live' })))).toEqual({ type: 'ResourceNotFoundException', message: `Cannot find alias arn: ${ARN}:live` });
    expect(await failure(fns.addPermission(s3({ functionUrlAuthType: 'NONE' })))).toMatchObject({ type: 'InvalidParameterValueException' });
    expect(await failure(() => fns.getPolicy('f', undefined))).toEqual({ type: 'ResourceNotFoundException', message: 'The resource you requested does not exist.' });
  });

  it('refuses a duplicate statement id, a stale RevisionId and a policy over 20 KB', async () => {
    await fns.addPermission(s3());
    expect(await failure(fns.addPermission(s3()))).toEqual({
      type: 'ResourceConflictException',
      message: 'The statement id (s3) provided already exists. Please provide a new statement id, or remove the existing statement.',
    });
    const current = fns.getPolicy('f', undefined).revisionId;
    expect(await failure(fns.addPermission(s3({ statementId: 'b', revisionId: 'stale' })))).toEqual({
      type: 'PreconditionFailedException',
      message: 'The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id',
    });
    await fns.addPermission(s3({ statementId: 'b', revisionId: current }));
    expect(await failure(fns.removePermission({ functionName: 'f', statementId: 'b', revisionId: current }))).toMatchObject({ type: 'PreconditionFailedException' });

    let err: { type: string; message: string } | undefined;
    for (let i = 0; i < 200 && !err; i++) {
      err = await fns.addPermission(s3({ statementId: `bulk-${i}`, sourceArn: `arn:aws:s3:::${'b'.repeat(40)}-${i}` })).then(
        () => undefined,
        (e: { awsType: string; message: string }) => ({ type: e.awsType, message: e.message }),
      );
    }
    expect(err?.type).toBe('PolicyLengthExceededException');
    expect(err?.message).toMatch(/^The final policy size \(\d+\) is bigger than the limit \(20480\)\.$/);
    expect(Buffer.byteLength(fns.getPolicy('f', undefined).policy)).toBeLessThanOrEqual(20480);
  });

  it("removes statements with AWS's errors, and the policy with its last statement", async () => {
    expect(await failure(fns.removePermission({ functionName: 'nope', statementId: 's3' }))).toEqual({ type: 'ResourceNotFoundException', message: `No policy found for: ${ARN.replace(/f$/, 'nope')}` });
    expect(await failure(fns.removePermission({ functionName: 'f', statementId: 's3' }))).toEqual({ type: 'ResourceNotFoundException', message: 'No policy is associated with the given resource.' });
    await fns.addPermission(s3());
    await fns.addPermission(s3({ statementId: 'sqs', principal: 'sqs.amazonaws.com', sourceArn: undefined, sourceAccount: undefined }));
    expect(await failure(fns.removePermission({ functionName: 'f', statementId: 'other' }))).toEqual({ type: 'ResourceNotFoundException', message: 'Statement other is not found in resource policy.' });
    expect(await failure(fns.removePermission({ functionName: 'f', statementId: 'a b' }))).toMatchObject({ type: 'ValidationException' });
    const before = fns.getPolicy('f', undefined).revisionId;
    await fns.removePermission({ functionName: 'f', statementId: 's3', revisionId: before });
    const left = fns.getPolicy('f', undefined);
    expect(left.revisionId).not.toBe(before);
    expect((JSON.parse(left.policy) as { Statement: { Sid: string }[] }).Statement.map((s) => s.Sid)).toEqual(['sqs']);
    await fns.removePermission({ functionName: 'f', statementId: 'sqs' });
    expect(await failure(() => fns.getPolicy('f', undefined))).toMatchObject({ type: 'ResourceNotFoundException' });
  });

  it('keeps one policy per function, version and alias; the same statement id in each; each goes with its version or alias', async () => {
    const v1 = await fns.publishVersion({ functionName: 'f' });
    await fns.createAlias({ functionName: 'f', name: 'live', functionVersion: v1.version });
    await fns.addPermission(s3());
    await fns.addPermission(s3({ qualifier: '1' }));
    const aliasRevision = fns.getAliasSync('f', 'live')!.revisionId;
    await fns.addPermission(s3({ qualifier: 'live' }));
    expect(fns.getAliasSync('f', 'live')!.revisionId).not.toBe(aliasRevision);
    const resources = ['', '1', 'live'].map((q) => (JSON.parse(fns.getPolicy('f', q || undefined).policy) as { Statement: { Resource: string }[] }).Statement[0]!.Resource);
    expect(resources).toEqual([ARN, `${ARN}:1`, `${ARN}:live`]);
    expect(fns.getPolicy('f', 'live').revisionId).toBe(fns.getAliasSync('f', 'live')!.revisionId);
    expect(fns.getPolicy('f', '1').revisionId).toBe(fns.getVersionSync('f', '1')!.revisionId);

    await fns.deleteAlias('f', 'live');
    await fns.deleteFunction('f', '1');
    // Recreated, the alias starts without a policy.
    await fns.createAlias({ functionName: 'f', name: 'live', functionVersion: '$LATEST' });
    expect(await failure(() => fns.getPolicy('f', 'live'))).toMatchObject({ type: 'ResourceNotFoundException' });
    expect((await fixture.store.listPolicies()).map((p) => `${p.functionName}:${p.qualifier ?? ''}`)).toEqual(['f:']);
    await fns.deleteFunction('f');
    expect(await fixture.store.listPolicies()).toEqual([]);
  });

  it('answers permitsSync from the cache, warmed from the store after a restart', async () => {
    await fns.addPermission({ functionName: 'f', statementId: 'url', action: 'lambda:InvokeFunctionUrl', principal: '*', functionUrlAuthType: 'NONE' });
    const publicUrl = { principal: { anonymous: true as const }, action: 'lambda:InvokeFunctionUrl', urlAuthType: 'NONE' as const };
    expect(fns.permitsSync('f', undefined, publicUrl)).toBe(true);
    expect(fns.permitsSync('f', '$LATEST', publicUrl)).toBe(true);
    const again = new FunctionService({ store: fixture.store, blobs: fixture.blobs, partition: { region: 'us-east-1', accountId: '000000000000' }, clock: fixture.clock });
    await again.load();
    expect(again.permitsSync('f', undefined, publicUrl)).toBe(true);
    expect(again.policySync('f', undefined)?.statements.map((s) => s.Sid)).toEqual(['url']);
  });
});
