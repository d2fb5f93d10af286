/**
 * `gust url`, `gust schedule` and `gust schedules` run as real processes against a real
 * server, checked through the SDKs (and `aws events`, where installed) as another user
 * would see the result. The server's schedules run on a ManualClock, so that a rule the
 * CLI created is fired by moving the clock and reaches the real function, which records it
 * in a host file (so the suite runs on the process driver, the one that lets it).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeRuleCommand, ListRulesCommand, ListTargetsByRuleCommand, PutTargetsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateAliasCommand, GetFunctionUrlConfigCommand, GetPolicyCommand } from '@aws-sdk/client-lambda';
import { ManualClock } from '../../src/core/clock.js';
import { AWS_CLI, runAwsCli } from '../helpers/aws-cli.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { ARN_PREFIX, createFunction, expectAwsError } from '../helpers/lambda.js';
import { waitFor } from '../helpers/wait.js';
import { eventBridgeClient, RULE_ARN_PREFIX } from '../events/support.js';
import { buildCli, runGust, SLOW, succeeded, type Run } from './support.js';

const URL_RE = /^http:\/\/127\.0\.0\.1:\d+\/lambda-url\/([a-z0-9]{32})\/$/;

const RECORDER = `
const fs = require('node:fs');
exports.handler = async (event) => {
  fs.appendFileSync(process.env.OUT_FILE, JSON.stringify(event) + '\\n');
  return { statusCode: 200, body: 'hello from ' + process.env.AWS_LAMBDA_FUNCTION_NAME };
};
`;

let t: TestGust;
let clock: ManualClock;
let events: EventBridgeClient;
let work: string;

function gust(args: string[]): Promise<Run> {
  return runGust(args, { cwd: work, endpoint: t.url });
}

/** Expects success with nothing on stderr, and returns stdout. */
async function ok(args: string[]): Promise<string> {
  return succeeded(await gust(args), args);
}

/** Expects the one-line failure `gust: <message>` and exit code 1. */
async function fails(args: string[], message: string | RegExp): Promise<void> {
  const run = await gust(args);
  expect(run.code, args.join(' ')).toBe(1);
  expect(run.stdout, args.join(' ')).toBe('');
  if (typeof message === 'string') expect(run.stderr).toBe(`gust: ${message}\n`);
  else expect(run.stderr).toMatch(message);
}

function received(): { resources?: string[]; time?: string; 'detail-type'?: string; task?: string }[] {
  const file = join(work, 'events.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { resources?: string[] });
}

beforeAll(buildCli, 180_000);

beforeAll(async () => {
  clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0, 0));
  t = await startTestGust({ eventsClock: clock, flags: { sandbox: 'process' } });
  events = eventBridgeClient(t);
  work = mkdtempSync(join(tmpdir(), 'gust-cli-triggers-'));
  for (const name of ['web', 'recorder', 'other']) {
    await createFunction(t.lambda, name, { files: { 'index.js': RECORDER }, Environment: { Variables: { OUT_FILE: join(work, 'events.jsonl') } } });
  }
  await t.lambda.send(new CreateAliasCommand({ FunctionName: 'web', Name: 'live', FunctionVersion: '$LATEST' }));
  await t.lambda.send(new CreateAliasCommand({ FunctionName: 'recorder', Name: 'live', FunctionVersion: '$LATEST' }));
});

afterAll(async () => {
  events?.destroy();
  await t?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('gust url', SLOW, () => {
  let url = '';

  it('creates a URL on first use and prints the same one afterwards; the URL works', async () => {
    const out = await ok(['url', 'web']);
    url = out.trimEnd();
    const id = URL_RE.exec(url)?.[1];
    expect(id, out).toBeDefined();
    expect(await ok(['url', 'web'])).toBe(out);
    expect(await t.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'web' }))).toMatchObject({ FunctionUrl: url, AuthType: 'NONE' });
    // The URL as printed, from Node's fetch: public, because gust url added the statement AWS's console adds (once, though it ran twice).
    const res = await fetch(url);
    expect([res.status, await res.text()]).toEqual([200, 'hello from web']);
    const policy = JSON.parse((await t.lambda.send(new GetPolicyCommand({ FunctionName: 'web' }))).Policy!) as { Statement: unknown[] };
    expect(policy.Statement).toEqual([
      {
        Sid: 'FunctionURLAllowPublicAccess',
        Effect: 'Allow',
        Principal: '*',
        Action: 'lambda:InvokeFunctionUrl',
        Resource: `${ARN_PREFIX}web`,
        Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } },
      },
    ]);
  });

  it('updates the auth type and CORS, keeping the CORS fields not named', async () => {
    expect(await ok(['url', 'web', '--auth-type', 'AWS_IAM', '--cors-origin', 'https://a.example', '--cors-origin', 'https://b.example', '--cors-method', 'GET'])).toBe(`${url}\n`);
    expect(await ok(['url', 'web', '--cors-max-age', '60', '--cors-credentials'])).toBe(`${url}\n`);
    const config = await t.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'web' }));
    expect(config.AuthType).toBe('AWS_IAM');
    expect(config.Cors).toEqual({ AllowOrigins: ['https://a.example', 'https://b.example'], AllowMethods: ['GET'], MaxAge: 60, AllowCredentials: true });
    const unsigned = await fetch(`${t.url}/lambda-url/${URL_RE.exec(url)![1]}/`);
    expect(unsigned.status).toBe(403);
  });

  it('gives an alias its own URL, prints JSON on --json, and removes a URL', async () => {
    const json = JSON.parse(await ok(['--json', 'url', 'web', '--qualifier', 'live'])) as Record<string, unknown>;
    expect(json).toMatchObject({ AuthType: 'NONE', FunctionArn: `${ARN_PREFIX}web:live` });
    expect(json.FunctionUrl).toMatch(URL_RE);
    expect(json.FunctionUrl).not.toBe(url);
    expect(json).not.toHaveProperty('$metadata');
    // The alias's own policy got the public statement: its URL answers.
    expect((await fetch(json.FunctionUrl as string)).status).toBe(200);

    expect(await ok(['url', 'web', '--qualifier', 'live', '--remove'])).toBe('removed the URL of web:live\n');
    await expectAwsError(t.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'live' })), 'ResourceNotFoundException', 404);
    expect(await ok(['url', 'web'])).toBe(`${url}\n`);
  });

  it('refuses bad flags and missing functions in one line', async () => {
    await fails(['url', 'web', '--auth-type', 'BASIC'], /^gust: option '--auth-type <type>' argument 'BASIC' is invalid\. expected NONE or AWS_IAM\.\n$/);
    await fails(['url', 'web', '--cors-max-age', 'soon'], /^gust: option '--cors-max-age <seconds>' argument 'soon' is invalid/);
    await fails(['url', 'nosuch'], /^gust: ResourceNotFoundException: [^\n]+\n$/);
  });
});

describe('gust schedule and gust schedules', SLOW, () => {
  let minuteRule = '';

  it('schedules a function as an EventBridge rule that fires the real function', async () => {
    const out = await ok(['schedule', 'recorder', 'rate(1 minute)']);
    const match = /^scheduled recorder rate\(1 minute\)\nrule (recorder-[0-9a-f]{8}) {2}(\S+)\n$/.exec(out);
    expect(match, out).not.toBeNull();
    minuteRule = match![1]!;
    expect(match![2]).toBe(`${RULE_ARN_PREFIX}${minuteRule}`);
    expect(await events.send(new DescribeRuleCommand({ Name: minuteRule }))).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    expect((await events.send(new ListTargetsByRuleCommand({ Rule: minuteRule }))).Targets).toEqual([{ Id: 'recorder', Arn: `${ARN_PREFIX}recorder` }]);

    // The same function and expression again: the same rule, not a second one.
    expect(await ok(['schedule', 'recorder', 'rate(1 minute)'])).toBe(out);
    const names = (await events.send(new ListRulesCommand({}))).Rules?.map((r) => r.Name);
    expect(names).toEqual([minuteRule]);

    clock.advance(60_000);
    const fired = await waitFor('the scheduled firing', () => received().find((e) => e.resources?.[0] === `${RULE_ARN_PREFIX}${minuteRule}`), 15_000);
    expect(fired).toMatchObject({ 'detail-type': 'Scheduled Event', source: 'aws.events', time: '2026-06-01T08:01:00Z', detail: {} });
  });

  it('takes --name, --qualifier, --input and --disabled', async () => {
    const out = await ok(['schedule', 'recorder', 'cron(0 12 * * ? *)', '--name', 'noon', '--qualifier', 'live', '--input', '{"task":"report"}', '--disabled']);
    expect(out).toBe(`scheduled recorder:live cron(0 12 * * ? *) (disabled)\nrule noon  ${RULE_ARN_PREFIX}noon\n`);
    expect(await events.send(new DescribeRuleCommand({ Name: 'noon' }))).toMatchObject({ ScheduleExpression: 'cron(0 12 * * ? *)', State: 'DISABLED' });
    expect((await events.send(new ListTargetsByRuleCommand({ Rule: 'noon' }))).Targets).toEqual([{ Id: 'recorder', Arn: `${ARN_PREFIX}recorder:live`, Input: '{"task":"report"}' }]);

    // name:qualifier works as --qualifier does, for adding and for removing.
    const out2 = await ok(['schedule', 'recorder:live', 'rate(2 hours)']);
    const rule = /^scheduled recorder:live rate\(2 hours\)\nrule (recorder-[0-9a-f]{8}) /.exec(out2)?.[1];
    expect(rule, out2).toBeDefined();
    expect((await events.send(new ListTargetsByRuleCommand({ Rule: rule }))).Targets).toEqual([{ Id: 'recorder', Arn: `${ARN_PREFIX}recorder:live` }]);
    expect(await ok(['schedule', 'recorder', 'rate(2 hours)', '--qualifier', 'live', '--remove'])).toBe(`deleted rule ${rule!} (rate(2 hours))\n`);
  });

  it('lists schedules as a table and as JSON, with their next firing, for all functions or one', async () => {
    await events.send(new PutTargetsCommand({ Rule: 'noon', Targets: [{ Id: 'other', Arn: `${ARN_PREFIX}other` }] }));
    const lines = (await ok(['schedules'])).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+SCHEDULE\s+STATE\s+NEXT \(UTC\)\s+TARGETS$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^noon\s+cron\(0 12 \* \* \? \*\)\s+DISABLED\s+-\s+other, recorder:live$/) as string,
      expect.stringMatching(new RegExp(`^${minuteRule}\\s+rate\\(1 minute\\)\\s+ENABLED\\s+2026-06-01T08:02:00Z\\s+recorder$`)) as string,
    ]);
    const json = JSON.parse(await ok(['schedules', 'other', '--json'])) as { Name: string; Targets: unknown[] }[];
    expect(json).toEqual([
      {
        Name: 'noon',
        Arn: `${RULE_ARN_PREFIX}noon`,
        ScheduleExpression: 'cron(0 12 * * ? *)',
        State: 'DISABLED',
        Targets: [
          { Id: 'other', Arn: `${ARN_PREFIX}other` },
          { Id: 'recorder', Arn: `${ARN_PREFIX}recorder:live` },
        ],
      },
    ]);
    expect(await ok(['schedules', 'web'])).toBe('no schedules invoke web\n');
  });

  it('refuses bad expressions, missing functions and bad input in one line', async () => {
    await fails(['schedule', 'recorder', 'rate(5 minute)'], 'ValidationException: Parameter ScheduleExpression is not valid.');
    await fails(['schedule', 'recorder', 'cron(0 12 * * *)'], 'ValidationException: Parameter ScheduleExpression is not valid.');
    await fails(['schedule', 'nosuch', 'rate(1 day)'], `ResourceNotFoundException: Function not found: ${ARN_PREFIX}nosuch`);
    await fails(['schedule', 'recorder'], 'give a schedule expression, such as "rate(5 minutes)" or "cron(0 12 * * ? *)"');
    await fails(['schedule', 'recorder', 'rate(1 day)', '--input', 'not json'], "--input must be JSON, got 'not json'");
    await fails(['schedule', 'recorder:live', 'rate(1 day)', '--qualifier', '1'], 'recorder:live names qualifier live and --qualifier names 1: give one');
    // Nothing was left behind by the refusals.
    expect((await events.send(new ListRulesCommand({}))).Rules?.map((r) => r.Name)).toEqual(['noon', minuteRule]);
  });

  it('reads rules the CLI made through aws events too', async (ctx) => {
    if (!existsSync(AWS_CLI)) ctx.skip(`${AWS_CLI} is not installed (apt-get install awscli)`);
    const run = await runAwsCli('events', ['list-targets-by-rule', '--rule', minuteRule], { endpoint: t.url, cwd: work });
    expect(run.code, run.stderr).toBe(0);
    expect(run.json).toEqual({ Targets: [{ Id: 'recorder', Arn: `${ARN_PREFIX}recorder` }] });
  });

  it('removes a function from a schedule, deleting rules left without targets', async () => {
    expect(await ok(['schedule', 'recorder', 'rate(1 minute)', '--remove'])).toBe(`deleted rule ${minuteRule} (rate(1 minute))\n`);
    await expectAwsError(events.send(new DescribeRuleCommand({ Name: minuteRule })), 'ResourceNotFoundException', 400);

    // Without an expression or --name: every schedule of the function; `other` keeps noon.
    expect(await ok(['schedule', 'recorder', '--remove'])).toBe('removed recorder from rule noon (cron(0 12 * * ? *))\n');
    expect((await events.send(new ListTargetsByRuleCommand({ Rule: 'noon' }))).Targets).toEqual([{ Id: 'other', Arn: `${ARN_PREFIX}other` }]);
    await fails(['schedule', 'recorder', '--remove'], 'no schedule targets recorder');
    await fails(['schedule', 'recorder', '--remove', '--name', 'gone'], 'ResourceNotFoundException: Rule gone does not exist on EventBus default.');
  });
});
