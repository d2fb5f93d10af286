/**
 * Two accounts on a verifying server, each with resources of its own: neither sees, lists
 * or reaches the other's functions, queues or rules, the same names live in both with each
 * account's id in their ARNs (and survive a restart), and one account invokes exactly what
 * the other's resource policy lets it invoke (AddPermission with its account as
 * principal), through Invoke by ARN and through AWS_IAM function URLs.
 */
import { AddPermissionCommand, CreateFunctionUrlConfigCommand, GetFunctionCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueUrlCommand, ListQueuesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeClient, ListRulesCommand, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFunction, invoke } from '../helpers/lambda.js';
import { startTestGust } from '../helpers/gust.js';
import { signRequest as signUrl, urlIdOf } from '../function-urls/support.js';
import { startAuthGust, type AuthGust, type Keys } from './support.js';

const answering = (text: string) => ({ 'index.mjs': `export const handler = async () => ${JSON.stringify(text)};\n` });
const A = '000000000000';

let g: AuthGust;
let owner: LambdaClient;
let other: LambdaClient;
const lambdaFor = (keys: Keys) => new LambdaClient({ endpoint: g.t.url, region: 'us-east-1', credentials: keys, maxAttempts: 1 });
beforeAll(async () => {
  g = await startAuthGust({ sandbox: 'process' });
  owner = lambdaFor(g.key);
  other = lambdaFor(g.other);
  await createFunction(owner, 'shared', { files: answering('from A') });
  await createFunction(owner, 'private', { files: answering('private of A') });
}, 60_000);
afterAll(async () => {
  owner?.destroy();
  other?.destroy();
  await g?.stop();
});

describe('two accounts', () => {
  it('each has its own functions under the same names, with its own account in their ARNs', async () => {
    const B = g.otherAccount;
    expect((await other.send(new ListFunctionsCommand({}))).Functions).toEqual([]);
    await createFunction(other, 'shared', { files: answering('from B'), Role: `arn:aws:iam::${B}:role/r` });
    expect((await other.send(new ListFunctionsCommand({}))).Functions!.map((f) => f.FunctionArn)).toEqual([`arn:aws:lambda:us-east-1:${B}:function:shared`]);
    expect((await owner.send(new ListFunctionsCommand({}))).Functions!.map((f) => f.FunctionArn).sort()).toEqual([`arn:aws:lambda:us-east-1:${A}:function:private`, `arn:aws:lambda:us-east-1:${A}:function:shared`]);
    expect((await invoke(other, 'shared')).json).toBe('from B');
    expect((await invoke(owner, 'shared')).json).toBe('from A');
    // B names A's function by its ARN outside Invoke: refused, whatever A's policy says.
    await expect(other.send(new GetFunctionCommand({ FunctionName: `arn:aws:lambda:us-east-1:${A}:function:private` }))).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(other.send(new GetFunctionCommand({ FunctionName: 'private' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  }, 60_000);

  it('invokes another account’s function by ARN exactly as far as its policy permits', async () => {
    const sharedArn = `arn:aws:lambda:us-east-1:${A}:function:shared`;
    await expect(invoke(other, sharedArn)).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: `User: arn:aws:iam::${g.otherAccount}:root is not authorized to perform: lambda:InvokeFunction on resource: ${sharedArn} because no resource-based policy allows the lambda:InvokeFunction action`,
    });
    await owner.send(new AddPermissionCommand({ FunctionName: 'shared', StatementId: 'team-b', Action: 'lambda:InvokeFunction', Principal: g.otherAccount }));
    expect((await invoke(other, sharedArn)).json).toBe('from A');
    expect((await invoke(other, `${A}:function:shared`)).json).toBe('from A');
    await expect(invoke(other, `arn:aws:lambda:us-east-1:${A}:function:private`)).rejects.toMatchObject({ name: 'AccessDeniedException' });
    // An account Gust has never seen has no function to allow anything.
    await expect(invoke(other, 'arn:aws:lambda:us-east-1:123456789012:function:shared')).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect((await invoke(owner, 'private')).json).toBe('private of A');
  }, 60_000);

  it('an AWS_IAM function URL takes another account’s key only with a lambda:InvokeFunctionUrl statement for it', async () => {
    const url = `${g.t.url}/lambda-url/${urlIdOf((await owner.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'shared', AuthType: 'AWS_IAM' }))).FunctionUrl!)}/`;
    expect((await fetch(url, { headers: await signUrl(url, g.other) })).status).toBe(403);
    expect((await fetch(url, { headers: await signUrl(url, g.key) })).status).toBe(200);
    await owner.send(new AddPermissionCommand({ FunctionName: 'shared', StatementId: 'team-b-url', Action: 'lambda:InvokeFunctionUrl', Principal: g.otherAccount, FunctionUrlAuthType: 'AWS_IAM' }));
    expect((await fetch(url, { headers: await signUrl(url, g.other) })).status).toBe(200);
    // B's own URL runs B's function.
    const own = `${g.t.url}/lambda-url/${urlIdOf((await other.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'shared', AuthType: 'AWS_IAM' }))).FunctionUrl!)}/`;
    const answer = await fetch(own, { headers: await signUrl(own, g.other) });
    expect(await answer.text()).toBe('from B');
  }, 60_000);

  it('queues and rules are each account’s own', async () => {
    const sqsFor = (keys: Keys) => new SQSClient({ endpoint: g.t.url, region: 'us-east-1', credentials: keys, maxAttempts: 1 });
    const [qa, qb] = [sqsFor(g.key), sqsFor(g.other)];
    const urlA = (await qa.send(new CreateQueueCommand({ QueueName: 'jobs' }))).QueueUrl!;
    expect((await qb.send(new ListQueuesCommand({}))).QueueUrls ?? []).toEqual([]);
    const urlB = (await qb.send(new CreateQueueCommand({ QueueName: 'jobs' }))).QueueUrl!;
    expect(urlB).not.toBe(urlA);
    expect(urlB).toMatch(new RegExp(`/${g.otherAccount}/jobs$`));
    await qa.send(new SendMessageCommand({ QueueUrl: urlA, MessageBody: 'for A' }));
    await expect(qb.send(new SendMessageCommand({ QueueUrl: urlA, MessageBody: 'intruder' }))).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
    await expect(qb.send(new GetQueueUrlCommand({ QueueName: 'jobs', QueueOwnerAWSAccountId: A }))).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
    expect((await qb.send(new ReceiveMessageCommand({ QueueUrl: urlB, WaitTimeSeconds: 0 }))).Messages ?? []).toEqual([]);
    expect((await qa.send(new ReceiveMessageCommand({ QueueUrl: urlA, WaitTimeSeconds: 0 }))).Messages!.map((m) => m.Body)).toEqual(['for A']);

    const eventsFor = (keys: Keys) => new EventBridgeClient({ endpoint: g.t.url, region: 'us-east-1', credentials: keys, maxAttempts: 1 });
    const [ea, eb] = [eventsFor(g.key), eventsFor(g.other)];
    const ruleArn = (await ea.send(new PutRuleCommand({ Name: 'nightly', ScheduleExpression: 'rate(1 day)' }))).RuleArn!;
    expect(ruleArn).toBe(`arn:aws:events:us-east-1:${A}:rule/nightly`);
    expect((await eb.send(new ListRulesCommand({}))).Rules).toEqual([]);
    expect((await eb.send(new PutRuleCommand({ Name: 'nightly', ScheduleExpression: 'rate(1 day)' }))).RuleArn).toBe(`arn:aws:events:us-east-1:${g.otherAccount}:rule/nightly`);
    for (const c of [qa, qb, ea, eb]) c.destroy();
  }, 60_000);

  it('an account’s resources come back after a restart, still apart', async () => {
    await g.t.gust.close();
    g.t = await startTestGust({ dataDir: g.t.dataDir, flags: { sandbox: 'process' } });
    owner.destroy();
    other.destroy();
    owner = lambdaFor(g.key);
    other = lambdaFor(g.other);
    expect((await invoke(other, 'shared')).json).toBe('from B');
    expect((await invoke(owner, 'shared')).json).toBe('from A');
    expect((await other.send(new ListFunctionsCommand({}))).Functions!.map((f) => f.FunctionName)).toEqual(['shared']);
  }, 60_000);
});
