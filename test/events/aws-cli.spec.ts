/**
 * `aws events … --endpoint-url` (the real AWS CLI v2, Debian's awscli) against a real
 * server's Lambda API port: its own serializers and older API model.
 * Skipped, saying why, where the CLI is not installed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliMissing, runAwsCli, type AwsCliRun } from '../helpers/aws-cli.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';

const missing = awsCliMissing('aws events suite');

let t: TestGust;
let work: string;

/** Runs `aws events …` against the suite's Gust. */
const aws = (...args: string[]): Promise<AwsCliRun> => runAwsCli('events', args, { endpoint: t.url, cwd: work });

// Each `aws` run is a fresh Python process (1 to 3 s on a busy 2-core machine), and one
// test makes up to eight of them.
const SLOW = { timeout: 120_000 };

describe.skipIf(missing !== undefined)('aws events', SLOW, () => {
  beforeAll(async () => {
    t = await startTestGust();
    work = mkdtempSync(join(tmpdir(), 'gust-aws-events-'));
  });
  afterAll(async () => {
    await t?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('puts, describes, lists and deletes rules and targets', async () => {
    const put = await aws('put-rule', '--name', 'nightly', '--schedule-expression', 'cron(0 3 * * ? *)', '--description', 'nightly job');
    expect(put.code, put.stderr).toBe(0);
    expect(put.json).toEqual({ RuleArn: 'arn:aws:events:us-east-1:000000000000:rule/nightly' });

    const described = await aws('describe-rule', '--name', 'nightly');
    expect(described.json).toMatchObject({ Name: 'nightly', ScheduleExpression: 'cron(0 3 * * ? *)', State: 'ENABLED', Description: 'nightly job', EventBusName: 'default' });

    const targets = await aws('put-targets', '--rule', 'nightly', '--targets', 'Id=job,Arn=arn:aws:lambda:us-east-1:000000000000:function:job');
    expect(targets.json).toEqual({ FailedEntryCount: 0, FailedEntries: [] });
    expect((await aws('list-targets-by-rule', '--rule', 'nightly')).json).toEqual({
      Targets: [{ Id: 'job', Arn: 'arn:aws:lambda:us-east-1:000000000000:function:job' }],
    });
    expect(((await aws('list-rules', '--name-prefix', 'night')).json.Rules as { Name: string }[]).map((r) => r.Name)).toEqual(['nightly']);

    const refused = await aws('delete-rule', '--name', 'nightly');
    expect(refused.code).not.toBe(0);
    // The CLI puts its retry count between the operation and the message.
    expect(refused.stderr).toMatch(/\(ValidationException\) when calling the DeleteRule operation.*: Rule can't be deleted since it has targets\./);
    expect((await aws('remove-targets', '--rule', 'nightly', '--ids', 'job')).json).toEqual({ FailedEntryCount: 0, FailedEntries: [] });
    expect((await aws('delete-rule', '--name', 'nightly')).code).toBe(0);
  });

  it('refuses bad schedule expressions and patterns with their error types', async () => {
    const schedule = await aws('put-rule', '--name', 'bad', '--schedule-expression', 'rate(1 minutes)');
    expect(schedule.stderr).toMatch(/\(ValidationException\) when calling the PutRule operation.*: Parameter ScheduleExpression is not valid\./);
    const pattern = await aws('put-rule', '--name', 'bad', '--event-pattern', '{"source": "x"}');
    expect(pattern.stderr).toMatch(/\(InvalidEventPatternException\) when calling the PutRule operation.*: Event pattern is not valid\. Reason: "source" must be an object or an array/);
  });

  it('puts events and tests patterns', async () => {
    const put = await aws('put-events', '--entries', JSON.stringify([{ Source: 'cli.test', DetailType: 'Ping', Detail: '{"n":1}' }]));
    expect(put.code, put.stderr).toBe(0);
    expect(put.json.FailedEntryCount).toBe(0);
    const event = JSON.stringify({ id: '1', account: '000000000000', source: 'cli.test', time: '2026-01-01T00:00:00Z', region: 'us-east-1', resources: [], 'detail-type': 'Ping', detail: { n: 1 } });
    expect((await aws('test-event-pattern', '--event-pattern', '{"detail":{"n":[{"numeric":[">",0]}]}}', '--event', event)).json).toEqual({ Result: true });
  });
});
