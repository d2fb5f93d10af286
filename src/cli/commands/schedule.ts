/**
 * `gust schedule <fn> <expression>`: runs a function on a schedule through Gust's
 * EventBridge API: PutRule with the `rate(…)` or `cron(…)` expression (named
 * `<fn>-<hash>` unless `--name` is given), then PutTargets with the function. Running it
 * again with the same function and expression updates that rule. `--remove` takes the
 * function off the rule (or off all its schedules) and deletes rules left with no target.
 * As the AWS console does when it adds a Lambda target, it also adds the statement that lets
 * EventBridge invoke the function for that rule (statement id `<rule>-events`): without it
 * the rule's events are refused.
 */
import { DeleteRuleCommand, DescribeRuleCommand, PutRuleCommand, PutTargetsCommand, RemoveTargetsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { AddPermissionCommand, GetFunctionConfigurationCommand, ResourceConflictException } from '@aws-sdk/client-lambda';
import type { Command } from 'commander';
import { CliError, toJson } from '../output.js';
import { runCommand, type CommandContext } from '../run.js';
import { functionNameOf, listScheduleRules, listTargets, parseFunctionRef, scheduleRuleName, type ScheduleRule } from '../schedule-rules.js';

interface ScheduleFlags {
  name?: string;
  qualifier?: string;
  input?: string;
  disabled?: boolean;
  remove?: boolean;
}

/** Target ids are at most 64 characters of `[.-_A-Za-z0-9]`, which function names satisfy. */
const targetId = (functionName: string): string => functionName.slice(0, 64);

/** The qualifier of `fn:q` or of `--qualifier`; naming two different ones is refused. */
function qualifierOf(fn: string, flags: ScheduleFlags): string | undefined {
  const fromName = parseFunctionRef(fn).qualifier;
  if (fromName !== undefined && flags.qualifier !== undefined && fromName !== flags.qualifier) {
    throw new CliError(`${fn} names qualifier ${fromName} and --qualifier names ${flags.qualifier}: give one`);
  }
  return flags.qualifier ?? fromName;
}

async function schedule(ctx: CommandContext, fn: string, expression: string, flags: ScheduleFlags): Promise<void> {
  if (flags.input !== undefined) {
    try {
      JSON.parse(flags.input);
    } catch {
      throw new CliError(`--input must be JSON, got '${flags.input}'`);
    }
  }
  const qualifier = qualifierOf(fn, flags);
  // The function must exist: EventBridge itself accepts targets that do not.
  const config = await ctx.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: parseFunctionRef(fn).base, Qualifier: qualifier }));
  const functionName = config.FunctionName!;
  const unqualified = config.FunctionArn!.split(':').slice(0, 7).join(':');
  const arn = qualifier === undefined ? unqualified : `${unqualified}:${qualifier}`;
  const ruleName = flags.name ?? scheduleRuleName(functionName, expression, qualifier);

  const { RuleArn } = await ctx.events.send(
    new PutRuleCommand({ Name: ruleName, ScheduleExpression: expression, State: flags.disabled ? 'DISABLED' : 'ENABLED', Description: `gust schedule ${functionName}` }),
  );
  const put = await ctx.events.send(
    new PutTargetsCommand({ Rule: ruleName, Targets: [{ Id: targetId(functionName), Arn: arn, ...(flags.input === undefined ? {} : { Input: flags.input }) }] }),
  );
  const failed = put.FailedEntries?.[0];
  if (failed) throw new CliError(`${failed.ErrorCode ?? 'target refused'}: ${failed.ErrorMessage ?? ''}`);
  try {
    await ctx.lambda.send(
      new AddPermissionCommand({ FunctionName: functionName, Qualifier: qualifier, StatementId: `${ruleName}-events`.slice(0, 100), Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: RuleArn }),
    );
  } catch (err) {
    // Scheduled before: the statement is there already.
    if (!(err instanceof ResourceConflictException)) throw err;
  }
  if (ctx.json) ctx.print(toJson({ RuleName: ruleName, RuleArn, ScheduleExpression: expression, State: flags.disabled ? 'DISABLED' : 'ENABLED', Target: arn }));
  else ctx.print(`scheduled ${functionName}${qualifier ? `:${qualifier}` : ''} ${expression}${flags.disabled ? ' (disabled)' : ''}\nrule ${ruleName}  ${RuleArn ?? ''}`);
}

/** The rules `--remove` works on: the one named or derived, else every schedule of the function. */
async function rulesToRemove(events: EventBridgeClient, functionName: string, qualifier: string | undefined, expression: string | undefined, flags: ScheduleFlags): Promise<ScheduleRule[]> {
  const named = flags.name ?? (expression === undefined ? undefined : scheduleRuleName(functionName, expression, qualifier));
  if (named !== undefined) return [{ rule: await events.send(new DescribeRuleCommand({ Name: named })), targets: await listTargets(events, named) }];
  return (await listScheduleRules(events)).filter((s) => s.targets.some((t) => functionNameOf(t.Arn) === functionName));
}

async function unschedule(ctx: CommandContext, fn: string, expression: string | undefined, flags: ScheduleFlags): Promise<void> {
  // The function need not exist any more: its schedules are removed by name.
  const functionName = parseFunctionRef(fn).name;
  const qualifier = qualifierOf(fn, flags);
  const ours = (arn: string | undefined) => functionNameOf(arn) === functionName && (qualifier === undefined || (arn !== undefined && parseFunctionRef(arn).qualifier === qualifier));
  const rules = await rulesToRemove(ctx.events, functionName, qualifier, expression, flags);
  const removed: { RuleName: string; ScheduleExpression?: string; RuleDeleted: boolean }[] = [];
  for (const { rule, targets } of rules) {
    const ids = targets.filter((t) => ours(t.Arn)).map((t) => t.Id!);
    if (ids.length === 0) continue;
    await ctx.events.send(new RemoveTargetsCommand({ Rule: rule.Name!, Ids: ids }));
    // AWS refuses to delete a rule that still has targets; one left without any is removed.
    const ruleDeleted = ids.length === targets.length;
    if (ruleDeleted) await ctx.events.send(new DeleteRuleCommand({ Name: rule.Name! }));
    removed.push({ RuleName: rule.Name!, ...(rule.ScheduleExpression ? { ScheduleExpression: rule.ScheduleExpression } : {}), RuleDeleted: ruleDeleted });
  }
  if (removed.length === 0) throw new CliError(`no schedule ${rules.length === 1 ? `in rule ${rules[0]!.rule.Name!} ` : ''}targets ${functionName}`);
  if (ctx.json) ctx.print(toJson(removed));
  else ctx.print(removed.map((r) => `${r.RuleDeleted ? 'deleted rule' : `removed ${functionName} from rule`} ${r.RuleName}${r.ScheduleExpression ? ` (${r.ScheduleExpression})` : ''}`).join('\n'));
}

export function registerSchedule(program: Command): void {
  program
    .command('schedule')
    .description('Run a function on a schedule: rate(5 minutes), cron(0 12 * * ? *) (UTC); --remove takes it off')
    .argument('<function>', 'function name or ARN, optionally with :qualifier')
    .argument('[expression]', 'rate(value unit) or cron(minutes hours day-of-month month day-of-week year)')
    .option('--name <rule>', 'rule name (default: <function>-<hash of the expression>)')
    .option('--qualifier <q>', 'invoke this version or alias')
    .option('--input <json>', 'the event to send instead of the scheduled event')
    .option('--disabled', 'create the rule disabled')
    .option('--remove', 'remove the function from this schedule, or from all its schedules without an expression or --name')
    .action(async (fn: string, expression: string | undefined, flags: ScheduleFlags, cmd: Command) =>
      runCommand(cmd, async (ctx) => {
        if (flags.remove) return unschedule(ctx, fn, expression, flags);
        if (expression === undefined) throw new CliError('give a schedule expression, such as "rate(5 minutes)" or "cron(0 12 * * ? *)"');
        return schedule(ctx, fn, expression, flags);
      }),
    );
}
