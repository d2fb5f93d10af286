/**
 * `gust schedules [fn]`: the scheduled rules (EventBridge rules with a ScheduleExpression)
 * with their state and targets; with a function, only the rules that invoke it.
 */
import type { Command } from 'commander';
import { table, toJson } from '../output.js';
import { runCommand } from '../run.js';
import { functionNameOf, listScheduleRules } from '../schedule-rules.js';

/** A target for people: `fn`, `fn:alias`, or the ARN when it is not a function's. */
const shortTarget = (arn: string | undefined): string => (functionNameOf(arn) === undefined ? arn ?? '' : arn!.split(':').slice(6).join(':'));

export function registerSchedules(program: Command): void {
  program
    .command('schedules')
    .description('List scheduled rules with their expression, state and targets')
    .argument('[function]', 'only the schedules that invoke this function')
    .action(async (fn: string | undefined, _flags: unknown, cmd: Command) =>
      runCommand(cmd, async ({ events, json, print }) => {
        const functionName = fn === undefined ? undefined : functionNameOf(fn) ?? fn.split(':')[0];
        const rules = (await listScheduleRules(events)).filter((s) => functionName === undefined || s.targets.some((t) => functionNameOf(t.Arn) === functionName));
        if (json) {
          print(toJson(rules.map(({ rule, targets }) => ({ Name: rule.Name, Arn: rule.Arn, ScheduleExpression: rule.ScheduleExpression, State: rule.State, Targets: targets.map((t) => ({ Id: t.Id, Arn: t.Arn })) }))));
          return;
        }
        if (rules.length === 0) {
          print(functionName === undefined ? 'no schedules' : `no schedules invoke ${functionName}`);
          return;
        }
        print(table(['NAME', 'SCHEDULE', 'STATE', 'TARGETS'], rules.map(({ rule, targets }) => [rule.Name ?? '', rule.ScheduleExpression ?? '', rule.State ?? '', targets.map((t) => shortTarget(t.Arn)).join(', ') || '-'])));
      }),
    );
}
