/**
 * EventBridge schedule expressions: `rate(value unit)` and `cron(six fields)`, and when
 * they fire next. Pure functions of their arguments; the scheduler supplies the clock.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
 */
import { invalidScheduleExpression } from './errors.js';
import { CronSyntaxError, parseCronFields, type CronSchedule } from './cron-fields.js';
import { nextCronTime } from './cron-next.js';

/** A parsed, valid schedule expression. */
export type ParsedSchedule =
  | { kind: 'rate'; periodMs: number }
  | { kind: 'cron'; schedule: CronSchedule };

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

// AWS requires the singular unit for 1 and the plural for anything larger:
// `rate(1 minute)`, `rate(5 minutes)`; `rate(1 minutes)` and `rate(5 minute)` are refused.
const RATE_RE = /^rate\(([1-9][0-9]{0,8}) (minute|minutes|hour|hours|day|days)\)$/;
const CRON_RE = /^cron\((.*)\)$/s;

/** Parses an expression, or explains (for tests and logs, never for clients) why it is not valid. */
export function explainScheduleExpression(text: string): ParsedSchedule | { invalid: string } {
  const rate = RATE_RE.exec(text);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2]!;
    const plural = unit.endsWith('s');
    if (plural !== value > 1) return { invalid: `rate: ${value} needs the ${value > 1 ? 'plural' : 'singular'} unit` };
    return { kind: 'rate', periodMs: value * UNIT_MS[plural ? unit.slice(0, -1) : unit]! };
  }
  const cron = CRON_RE.exec(text);
  if (cron) {
    try {
      return { kind: 'cron', schedule: parseCronFields(cron[1]!) };
    } catch (err) {
      if (err instanceof CronSyntaxError) return { invalid: `cron: ${err.message}` };
      throw err;
    }
  }
  return { invalid: 'neither rate(value unit) nor cron(fields)' };
}

/** Parses an expression; throws AWS's ValidationException "Parameter ScheduleExpression is not valid." */
export function parseScheduleExpression(text: string): ParsedSchedule {
  const parsed = explainScheduleExpression(text);
  if ('invalid' in parsed) throw invalidScheduleExpression();
  return parsed;
}

/**
 * The next time, in epoch milliseconds strictly after `afterEpochMs`, that the expression
 * fires; undefined when it never fires again (a cron expression whose years have passed).
 * A rate fires at whole periods after `anchorEpochMs`, the moment its rule was created or
 * enabled (default: `afterEpochMs`, so the first firing is one period from now).
 * Throws ValidationException for an invalid expression.
 */
export function nextFire(expression: string | ParsedSchedule, afterEpochMs: number, anchorEpochMs = afterEpochMs): number | undefined {
  const parsed = typeof expression === 'string' ? parseScheduleExpression(expression) : expression;
  if (parsed.kind === 'cron') return nextCronTime(parsed.schedule, afterEpochMs);
  const periods = Math.max(1, Math.floor((afterEpochMs - anchorEpochMs) / parsed.periodMs) + 1);
  return anchorEpochMs + periods * parsed.periodMs;
}
