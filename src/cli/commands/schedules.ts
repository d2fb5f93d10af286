/**
 * `gust schedules [fn]`: the scheduled rules (EventBridge rules with a ScheduleExpression)
 * with their state, targets and next firing; with a function, only the rules that invoke
 * it. Rules and targets come from the EventBridge API; the next firings, which EventBridge
 * does not report, from Gust's `/gust/schedules`.
 */
import type { Command } from 'commander';
import { fetchGust } from '../client.js';
import { table, toJson } from '../output.js';
import { runCommand } from '../run.js';
import { functionNameOf, listScheduleRules, parseFunctionRef } from '../schedule-rules.js';

/** What `GET /gust/schedules` answers, as far as the CLI reads it. */
interface GustSchedules {
  schedules: { name: string; nextFiring?: string }[];
}

/** `2026-06-01T12:00:00Z`: whole seconds, as schedules fire. */
const shortTime = (iso: string | undefined): string | undefined => iso?.replace(/\.\d{3}Z$/, 'Z');

/** A target for people: `fn`, `fn:alias`, or the ARN when it is not a function's. */
const shortTarget = (arn: string | undefined): string => (functionNameOf(arn) === undefined ? arn ?? '' : arn!.split(':').slice(6).join(':'));

export function registerSchedules(program: Command): void {
  program
    .command('schedules')
    .description('List scheduled rules with their expression, state, next firing and targets')
    .argument('[function]', 'only the schedules that invoke this function')
    .action(async (fn: string | undefined, _flags: unknown, cmd: Command) =>
      runCommand(cmd, async ({ events, target, json, print }) => {
        const functionName = fn === undefined ? undefined : parseFunctionRef(fn).name;
        const [listed, gust] = await Promise.all([listScheduleRules(events), fetchGust<GustSchedules>(target, '/gust/schedules')]);
        const rules = listed.filter((s) => functionName === undefined || s.targets.some((t) => functionNameOf(t.Arn) === functionName));
        const next = new Map(gust.schedules.map((s) => [s.name, shortTime(s.nextFiring)]));
        if (json) {
          print(
            toJson(
              rules.map(({ rule, targets }) => ({
                Name: rule.Name,
                Arn: rule.Arn,
                ScheduleExpression: rule.ScheduleExpression,
                State: rule.State,
                Targets: targets.map((t) => ({ Id: t.Id, Arn: t.Arn })),
                NextFiring: next.get(rule.Name ?? ''),
              })),
            ),
          );
          return;
        }
        if (rules.length === 0) {
          print(functionName === undefined ? 'no schedules' : `no schedules invoke ${functionName}`);
          return;
        }
        const rows = rules.map(({ rule, targets }) => [
          rule.Name ?? '',
          rule.ScheduleExpression ?? '',
          rule.State ?? '',
          next.get(rule.Name ?? '') ?? '-',
          targets.map((t) => shortTarget(t.Arn)).join(', ') || '-',
        ]);
        print(table(['NAME', 'SCHEDULE', 'STATE', 'NEXT (UTC)', 'TARGETS'], rows));
      }),
    );
}
