/**
 * The keeper of a three-node cluster, as users run it (real child processes, the real SDKs,
 * PostgreSQL and NATS): one node, the holder of the keeper lease, keeps the SQS queues, runs
 * the mappings' pollers and keeps the provisioned environments; every other node hands
 * those requests to it. A queue made through one node is used through the others; a rule's
 * target matched on a node that is not the keeper reaches the queue; `kill -9` of the keeper
 * while a mapping drains 1,000 messages loses none (duplicates counted), and a survivor
 * takes the queues and the pollers over within the stated bound; a provisioned concurrency
 * of 2 is two environments in the cluster, which other nodes' invokes reach; uploads through
 * two nodes are notified once each, by the keeper; a keeper that gets SIGTERM hands over at once,
 * and a node joining the running cluster hands its very first request to the keeper. Skipped,
 * saying why, without PostgreSQL or NATS.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddPermissionCommand, CreateEventSourceMappingCommand, GetEventSourceMappingCommand, GetProvisionedConcurrencyConfigCommand, PutProvisionedConcurrencyConfigCommand } from '@aws-sdk/client-lambda';
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { activeOn, clusterOf, clusterSkipReason, NODE_PID_JS } from '../helpers/cluster.js';
import { stopServer, type ServerProcess } from '../helpers/gust-process.js';
import { createFunction, invoke } from '../helpers/lambda.js';
import { waitFor } from '../helpers/wait.js';

const skip = await clusterSkipReason();
if (skip) console.warn(`skipping the cluster keeper suite: ${skip}`);

const HOLDS = "holds the keeper lease";
/** cluster-lease.ts's next try (1 s), reading the queues back, and slack for a loaded machine. */
const TAKEOVER_BOUND_MS = 5_000;
const MESSAGES = 1_000;
const ACCOUNT = '000000000000';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
function sqsOf(server: ServerProcess, maxAttempts?: number): SQSClient {
  return new SQSClient({ endpoint: server.url, region: 'us-east-1', credentials, ...(maxAttempts === undefined ? {} : { maxAttempts }) });
}

describe.skipIf(skip !== undefined)('gust serve --bus: the keeper node (queues, pollers, provisioned environments)', () => {
  const cluster = clusterOf(3, 'keeper', ['--sandbox', 'process', '--keep-alive', '60s']);
  const node = cluster.node;
  const out = mkdtempSync(join(tmpdir(), 'gust-keeper-out-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  const alive = (i: number) => node(i).child.exitCode === null && node(i).child.signalCode === null;
  /** The nodes that said they took the keeper lease, alive, in the order they said it last. */
  const holders = (): number[] => [0, 1, 2].filter((i) => alive(i) && node(i).lines().some((l) => l.includes(HOLDS)));
  const queueUrl = (name: string) => `http://127.0.0.1/${ACCOUNT}/${name}`;

  it('serves a queue made through one node through every other', async () => {
    const [holder] = await waitFor('one node to keep the queues', () => (holders().length > 0 ? holders() : undefined), 10_000);
    expect(holders()).toEqual([holder]);
    const [a, b] = [0, 1, 2].filter((i) => i !== holder) as [number, number];
    // Made through A, which hands the request over (the holder's note tells A of the queue).
    await sqsOf(node(a)).send(new CreateQueueCommand({ QueueName: 'shared', Attributes: { VisibilityTimeout: '30' } }));
    const sent = await sqsOf(node(b)).send(new SendMessageCommand({ QueueUrl: queueUrl('shared'), MessageBody: 'through B' }));
    const received = await sqsOf(node(a)).send(new ReceiveMessageCommand({ QueueUrl: queueUrl('shared'), WaitTimeSeconds: 5 }));
    expect(received.Messages?.map((m) => [m.MessageId, m.Body])).toEqual([[sent.MessageId, 'through B']]);
    // Invisible on every node: one node keeps the receipt.
    for (const i of [0, 1, 2]) {
      const attrs = await sqsOf(node(i)).send(new GetQueueAttributesCommand({ QueueUrl: queueUrl('shared'), AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
      expect(attrs.Attributes).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '1' });
    }
    await sqsOf(node(b)).send(new DeleteMessageCommand({ QueueUrl: queueUrl('shared'), ReceiptHandle: received.Messages![0]!.ReceiptHandle! }));
    const empty = await sqsOf(node(holder!)).send(new GetQueueAttributesCommand({ QueueUrl: queueUrl('shared'), AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }));
    expect(empty.Attributes).toEqual({ ApproximateNumberOfMessagesNotVisible: '0' });

    // A rule's target matched on A: A sends through the node that keeps the queues.
    const events = new EventBridgeClient({ endpoint: node(a).url, region: 'us-east-1', credentials });
    await events.send(new PutRuleCommand({ Name: 'to-queue', EventPattern: JSON.stringify({ source: ['gust.test'] }) }));
    await events.send(new PutTargetsCommand({ Rule: 'to-queue', Targets: [{ Id: 'q', Arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:shared` }] }));
    await events.send(new PutEventsCommand({ Entries: [{ Source: 'gust.test', DetailType: 'ping', Detail: JSON.stringify({ n: 1 }) }] }));
    const delivered = await sqsOf(node(b)).send(new ReceiveMessageCommand({ QueueUrl: queueUrl('shared'), WaitTimeSeconds: 10 }));
    expect(JSON.parse(delivered.Messages![0]!.Body!)).toMatchObject({ source: 'gust.test', 'detail-type': 'ping', detail: { n: 1 } });
  }, 60_000);

  it(`loses none of ${MESSAGES} messages when the node that keeps the queues is killed, and a survivor takes its pollers over`, async () => {
    const file = join(out, 'sink.txt');
    // Each record's body and the node that ran it.
    const sink = `const fs = require('node:fs');
${NODE_PID_JS}
exports.handler = async (event) => {
  const by = nodePid();
  fs.appendFileSync(${JSON.stringify(file)}, event.Records.map((r) => r.body + ' ' + by + '\\n').join(''));
};`;
    const [holder] = holders();
    const others = [0, 1, 2].filter((i) => i !== holder) as [number, number];
    await createFunction(node(others[0]).lambda, 'sink', { files: { 'index.js': sink }, Timeout: 10 });
    for (const i of others) await activeOn(node(i).lambda, 'sink');
    await sqsOf(node(others[1])).send(new CreateQueueCommand({ QueueName: 'work', Attributes: { VisibilityTimeout: '12' } }));
    const { UUID: uuid } = await node(others[0]).lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'sink', EventSourceArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:work`, BatchSize: 10 }));

    const handled = (): Map<string, number[]> => {
      const seen = new Map<string, number[]>();
      if (!existsSync(file)) return seen;
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const [body, by] = line.split(' ');
        if (body && by) seen.set(body, [...(seen.get(body) ?? []), Number(by)]);
      }
      return seen;
    };
    // Batches of 10 through every node in turn; a batch the cluster refused while the queues
    // moved is sent again (as an application retries), so each body is accepted at least once.
    const accepted = new Set<string>();
    let resent = 0;
    const sendAll = async () => {
      for (let batch = 0; batch < MESSAGES / 10; batch++) {
        const bodies = Array.from({ length: 10 }, (_, k) => `m${batch * 10 + k}`);
        for (let attempt = 0; ; attempt++) {
          const via = [0, 1, 2].filter(alive)[batch % [0, 1, 2].filter(alive).length]!;
          try {
            const answer = await sqsOf(node(via), 1).send(new SendMessageBatchCommand({ QueueUrl: queueUrl('work'), Entries: bodies.map((b, k) => ({ Id: String(k), MessageBody: b })) }));
            for (const s of answer.Successful ?? []) accepted.add(bodies[Number(s.Id)]!);
            if ((answer.Failed ?? []).length === 0) break;
          } catch (err) {
            if (attempt === 100) throw err;
          }
          resent++;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    const sending = sendAll();
    await waitFor('half the messages handled', () => (handled().size >= MESSAGES / 2 ? true : undefined), 120_000, 10);
    const killedPid = node(holder!).child.pid!;
    const ranOn = (pid: number) => [...handled().values()].reduce((sum, by) => sum + by.filter((p) => p === pid).length, 0);
    const ranBefore = new Map(others.map((i) => [i, ranOn(node(i).child.pid!)]));
    node(holder!).child.kill('SIGKILL');
    const killedAt = Date.now();
    await node(holder!).exited;
    const [next] = await waitFor('a survivor to take the queues', () => (holders().length > 0 ? holders() : undefined), 20_000, 10);
    expect(others).toContain(next);
    // Takeover: the first message the new holder's pollers had run after the kill.
    const firstOnSurvivor = await waitFor('the survivor to handle a message', () => (ranOn(node(next!).child.pid!) > ranBefore.get(next!)! ? Date.now() : undefined), 60_000, 5);
    await sending;
    const counts = await waitFor('every accepted message handled', () => {
      const seen = handled();
      return [...accepted].every((b) => seen.has(b)) ? seen : undefined;
    }, 120_000, 50);
    const duplicates = [...counts.values()].reduce((sum, by) => sum + by.length - 1, 0);
    const byKilled = [...counts.values()].filter((by) => by.includes(killedPid)).length;
    console.log(
      `queues: kill -9 of the node that kept them after ${byKilled} of ${MESSAGES} messages ran there; a survivor handled its first message ${firstOnSurvivor - killedAt} ms after the kill; all ${accepted.size} accepted messages handled, ${duplicates} twice or more, ${resent} batches sent again`,
    );
    expect(accepted.size).toBe(MESSAGES);
    expect([...accepted].filter((b) => !counts.has(b))).toEqual([]);
    expect(firstOnSurvivor - killedAt).toBeLessThan(TAKEOVER_BOUND_MS);
    const mapping = await node(others[1]).lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
    expect(mapping.State).toBe('Enabled');
  }, 300_000);

  it('keeps a provisioned concurrency of 2 as two environments in the cluster, on the keeper, and routes other nodes\' invokes to them', async () => {
    const inits = join(out, 'inits.txt');
    const holding = join(out, 'holding.txt');
    const release = join(out, 'release');
    // Each environment says so once, at its init, with its id; invokes answer the id. An
    // invoke with `hold` says it holds its environment, and keeps it until the test releases it.
    const handler = `const fs = require('node:fs');
const id = require('node:crypto').randomUUID();
fs.appendFileSync(${JSON.stringify(inits)}, id + '\\n');
exports.handler = async (event) => {
  if (event.hold) {
    fs.appendFileSync(${JSON.stringify(holding)}, id + '\\n');
    while (!fs.existsSync(${JSON.stringify(release)})) await new Promise((r) => setTimeout(r, 10));
  }
  return id;
};`;
    const [keeper] = holders();
    const other = [0, 1, 2].find((i) => i !== keeper && alive(i))!;
    await createFunction(node(other).lambda, 'prov', { files: { 'index.js': handler }, Publish: true, Timeout: 30 });
    await activeOn(node(keeper!).lambda, 'prov');
    // Put and read through a node that is not the keeper: both handed over to it.
    await node(other).lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'prov', Qualifier: '1', ProvisionedConcurrentExecutions: 2 }));
    await waitFor('READY', async () => ((await node(other).lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'prov', Qualifier: '1' }))).Status === 'READY' ? true : undefined), 30_000, 50);
    const started = () => readFileSync(inits, 'utf8').split('\n').filter(Boolean);
    // A node that is not the keeper would have started its own two by now (they start at once).
    await new Promise((r) => setTimeout(r, 1_500));
    expect(started()).toHaveLength(2);
    // The other node's invokes run on the keeper's provisioned environments (it starts none of its own).
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push((await invoke(node(other).lambda, 'prov', {}, { Qualifier: '1' })).json as string);
    expect(new Set([...answers, ...started()]).size).toBe(2);
    expect(started()).toHaveLength(2);

    // Both provisioned environments busy: an invoke on the other node spills over to an
    // on-demand environment of its own, as Lambda's do once provisioned concurrency is all in use.
    const provisioned = started();
    const held = () => (existsSync(holding) ? new Set(readFileSync(holding, 'utf8').split('\n').filter(Boolean)) : new Set<string>());
    const busy = [0, 1].map(() => invoke(node(keeper!).lambda, 'prov', { hold: true }, { Qualifier: '1' }));
    await waitFor('both provisioned environments to be held', () => (held().size === 2 ? true : undefined), 20_000, 10);
    const spilled = (await invoke(node(other).lambda, 'prov', {}, { Qualifier: '1' })).json as string;
    expect(provisioned).not.toContain(spilled);
    expect(started()).toHaveLength(3);
    writeFileSync(release, '');
    expect((await Promise.all(busy)).map((r) => r.json)).toEqual(expect.arrayContaining(provisioned));
    // Free again, they come first: the other node's idle on-demand environment waits. (One
    // that has not yet asked for its next event when an invoke arrives is busy, and that
    // invoke spills over as on Lambda: a loaded machine may see one.)
    const after = [];
    for (let i = 0; i < 6; i++) after.push((await invoke(node(other).lambda, 'prov', {}, { Qualifier: '1' })).json as string);
    expect(after.filter((id) => provisioned.includes(id)).length).toBeGreaterThanOrEqual(5);
  }, 60_000);

  it('delivers each bucket notification once, from the keeper, whichever node took the upload', async () => {
    const file = join(out, 'objects.txt');
    const sink = `const fs = require('node:fs');
exports.handler = async (event) => { fs.appendFileSync(${JSON.stringify(file)}, event.Records.map((r) => r.s3.object.key + '\\n').join('')); };`;
    const [keeper] = holders();
    const other = [0, 1, 2].find((i) => i !== keeper && alive(i))!;
    const s3 = (i: number) => new S3Client({ endpoint: node(i).url, region: 'us-east-1', credentials, forcePathStyle: true });
    await createFunction(node(other).lambda, 'uploads', { files: { 'index.js': sink } });
    await s3(other).send(new CreateBucketCommand({ Bucket: 'uploads' }));
    await node(other).lambda.send(new AddPermissionCommand({ FunctionName: 'uploads', StatementId: 's3', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: 'arn:aws:s3:::uploads', SourceAccount: ACCOUNT }));
    await s3(other).send(new PutBucketNotificationConfigurationCommand({ Bucket: 'uploads', NotificationConfiguration: { LambdaFunctionConfigurations: [{ LambdaFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:uploads`, Events: ['s3:ObjectCreated:*'] }] } }));
    await activeOn(node(keeper!).lambda, 'uploads');
    // Uploads through both nodes at once: each node's own delivery would read the other's notifications too.
    const keys = Array.from({ length: 60 }, (_, i) => `k${i}`);
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async (_, w) => {
      while (next < keys.length) {
        const Key = keys[next++]!;
        await s3(w % 2 === 0 ? keeper! : other).send(new PutObjectCommand({ Bucket: 'uploads', Key, Body: Key }));
      }
    }));
    const delivered = await waitFor('every upload notified', () => {
      const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
      return keys.every((k) => lines.includes(k)) ? lines : undefined;
    }, 60_000, 50);
    await new Promise((r) => setTimeout(r, 1_000));
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    console.log(`keeper: ${keys.length} uploads through two nodes, ${delivered.length} notifications delivered, ${lines.length - keys.length} twice`);
    expect(lines.sort()).toEqual([...keys].sort());
  }, 90_000);

  it('hands the queues over at once when the node keeping them gets SIGTERM', async () => {
    const [holder] = holders();
    const other = [0, 1, 2].find((i) => i !== holder && alive(i))!;
    const before = node(other).lines().length;
    const t0 = Date.now();
    const stopping = stopServer(node(holder!));
    const tookAt = await waitFor('the other node to take the queues', () => (node(other).lines().slice(before).some((l) => l.includes(HOLDS)) ? Date.now() : undefined), 30_000, 5);
    await stopping;
    console.log(`queues: SIGTERM to the node that kept them; the next one held them ${tookAt - t0} ms later`);
    await sqsOf(node(other)).send(new CreateQueueCommand({ QueueName: 'after' }));
    const sent = await sqsOf(node(other)).send(new SendMessageCommand({ QueueUrl: queueUrl('after'), MessageBody: 'after the handover' }));
    const received = await sqsOf(node(other)).send(new ReceiveMessageCommand({ QueueUrl: queueUrl('after'), WaitTimeSeconds: 5 }));
    expect(received.Messages?.map((m) => m.MessageId)).toEqual([sent.MessageId]);

    // A node joining the running cluster asks for the keeper as it starts: its first request,
    // sent once (no SDK retry), is handed over rather than refused.
    const rejoining = [0, 1, 2].find((i) => !alive(i) && i !== holder)!;
    const rejoined = await cluster.restart(rejoining);
    const first = await sqsOf(rejoined, 1).send(new SendMessageCommand({ QueueUrl: queueUrl('after'), MessageBody: 'through a node that just joined' }));
    const again = await sqsOf(node(other)).send(new ReceiveMessageCommand({ QueueUrl: queueUrl('after'), WaitTimeSeconds: 5 }));
    expect(again.Messages?.map((m) => [m.MessageId, m.Body])).toEqual([[first.MessageId, 'through a node that just joined']]);
  }, 60_000);
});
