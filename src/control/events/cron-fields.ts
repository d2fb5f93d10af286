/**
 * Parsing of the six fields of an EventBridge `cron(...)` expression into value sets, in
 * AWS's dialect (Quartz-like, without seconds):
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html#eb-cron-expressions
 *
 * | field        | values                 | wildcards          |
 * |--------------|------------------------|--------------------|
 * | Minutes      | 0-59                   | , - * /            |
 * | Hours        | 0-23                   | , - * /            |
 * | Day-of-month | 1-31                   | , - * ? / L W      |
 * | Month        | 1-12 or JAN-DEC        | , - * /            |
 * | Day-of-week  | 1-7 or SUN-SAT (1=SUN) | , - * ? L #        |
 * | Year         | 1970-2199              | , - * /            |
 *
 * Exactly one of Day-of-month and Day-of-week is `?`. `L`, `W`, `LW`, `nL` and `n#k` stand
 * alone in their field (as in Quartz, which AWS's dialect follows). A range whose start is
 * above its end wraps around (`FRI-MON`, `22-2`), as in Quartz; years do not wrap.
 * Pure: no clock, no I/O. Errors are `CronSyntaxError`s naming the reason; the public
 * entry point (schedule-expression.ts) turns them into AWS's one ValidationException.
 */

/** Why a cron expression was refused; never sent to clients (AWS gives no reason). */
export class CronSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CronSyntaxError';
  }
}

/** Which days of a month fire: by day-of-month, or by day-of-week (1 = Sunday … 7 = Saturday). */
export type DaySpec =
  | { kind: 'dom'; days: ReadonlySet<number> }
  /** `L`: the last day of the month. */
  | { kind: 'lastDay' }
  /** `LW`: the last weekday (Monday to Friday) of the month. */
  | { kind: 'lastWeekday' }
  /** `15W`: the weekday nearest the 15th, without leaving the month. */
  | { kind: 'nearestWeekday'; day: number }
  | { kind: 'dow'; weekdays: ReadonlySet<number> }
  /** `5L`: the last Thursday of the month. */
  | { kind: 'lastWeekdayOf'; weekday: number }
  /** `3#2`: the second Tuesday of the month. */
  | { kind: 'nthWeekday'; weekday: number; n: number };

/** A parsed cron expression: sorted allowed values per field, and the day rule. */
export interface CronSchedule {
  minutes: readonly number[];
  hours: readonly number[];
  months: readonly number[];
  years: readonly number[];
  days: DaySpec;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  /** Whether a reversed range wraps around (cyclic fields) or is an error. */
  wraps: boolean;
  names?: readonly string[];
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

const MINUTES: FieldSpec = { name: 'Minutes', min: 0, max: 59, wraps: true };
const HOURS: FieldSpec = { name: 'Hours', min: 0, max: 23, wraps: true };
const DAY_OF_MONTH: FieldSpec = { name: 'Day-of-month', min: 1, max: 31, wraps: true };
const MONTH: FieldSpec = { name: 'Month', min: 1, max: 12, wraps: true, names: MONTH_NAMES };
const DAY_OF_WEEK: FieldSpec = { name: 'Day-of-week', min: 1, max: 7, wraps: true, names: DAY_NAMES };
const YEAR: FieldSpec = { name: 'Year', min: 1970, max: 2199, wraps: false };

/** One value: a number in range, or (where the field has them) a three-letter name. */
function parseValue(text: string, field: FieldSpec): number {
  let n: number;
  if (/^\d{1,4}$/.test(text)) {
    n = Number(text);
  } else {
    const index = field.names?.indexOf(text) ?? -1;
    if (index < 0) throw new CronSyntaxError(`${field.name}: '${text}' is not a value`);
    n = index + field.min;
  }
  if (n < field.min || n > field.max) throw new CronSyntaxError(`${field.name}: ${n} is outside ${field.min}-${field.max}`);
  return n;
}

/**
 * The values from `start` for `count` steps of `step`, wrapping past the field's maximum
 * back to its minimum (the wrapped part of a reversed range).
 */
function stepped(start: number, length: number, step: number, field: FieldSpec): number[] {
  const size = field.max - field.min + 1;
  const out: number[] = [];
  for (let offset = 0; offset < length; offset += step) {
    out.push(((start - field.min + offset) % size) + field.min);
  }
  return out;
}

/** One element of a comma list: `*`, `n`, `a-b`, each optionally `/step`, or `a/step`. */
function parseElement(element: string, field: FieldSpec, allowStep: boolean): number[] {
  const slash = element.split('/');
  if (slash.length > 2) throw new CronSyntaxError(`${field.name}: '${element}' has more than one '/'`);
  const [base = '', stepText] = slash;
  let step = 1;
  if (stepText !== undefined) {
    if (!allowStep) throw new CronSyntaxError(`${field.name}: '/' is not allowed`);
    if (!/^\d+$/.test(stepText)) throw new CronSyntaxError(`${field.name}: increment '${stepText}' is not a number`);
    step = Number(stepText);
    if (step < 1 || step > field.max - field.min + 1) throw new CronSyntaxError(`${field.name}: increment ${step} is out of range`);
  }
  if (base === '*') return stepped(field.min, field.max - field.min + 1, step, field);
  const dash = base.split('-');
  if (dash.length > 2) throw new CronSyntaxError(`${field.name}: '${element}' has more than one '-'`);
  const start = parseValue(dash[0] ?? '', field);
  if (dash.length === 1) {
    // `a/n` runs from a to the field's maximum; a bare `a` is just a.
    return stepText === undefined ? [start] : stepped(start, field.max - start + 1, step, field);
  }
  const end = parseValue(dash[1] ?? '', field);
  if (start <= end) return stepped(start, end - start + 1, step, field);
  if (!field.wraps) throw new CronSyntaxError(`${field.name}: range ${start}-${end} runs backwards`);
  return stepped(start, field.max - start + 1 + end - field.min + 1, step, field);
}

/** A field made only of lists, ranges and increments, as a sorted set of values. */
function parseList(text: string, field: FieldSpec, allowStep = true): number[] {
  if (text === '') throw new CronSyntaxError(`${field.name}: empty field`);
  const values = new Set<number>();
  for (const element of text.split(',')) {
    if (element === '') throw new CronSyntaxError(`${field.name}: empty list element in '${text}'`);
    for (const v of parseElement(element, field, allowStep)) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

function parseDayOfMonth(text: string): DaySpec {
  if (text === 'L') return { kind: 'lastDay' };
  if (text === 'LW') return { kind: 'lastWeekday' };
  const w = /^(\d{1,2})W$/.exec(text);
  if (w) return { kind: 'nearestWeekday', day: parseValue(w[1]!, DAY_OF_MONTH) };
  if (/[LW]/.test(text)) throw new CronSyntaxError(`Day-of-month: 'L' and 'W' stand alone ('L', 'LW', '15W'), not in '${text}'`);
  return { kind: 'dom', days: new Set(parseList(text, DAY_OF_MONTH)) };
}

function parseDayOfWeek(text: string): DaySpec {
  // `L` alone is the last day of the week, Saturday (Quartz).
  if (text === 'L') return { kind: 'dow', weekdays: new Set([7]) };
  const last = /^([0-9A-Z]+)L$/.exec(text);
  if (last) return { kind: 'lastWeekdayOf', weekday: parseValue(last[1]!, DAY_OF_WEEK) };
  const nth = /^([0-9A-Z]+)#(\d+)$/.exec(text);
  if (nth) {
    const n = Number(nth[2]);
    if (n < 1 || n > 5) throw new CronSyntaxError(`Day-of-week: '#${nth[2]}' must be 1 to 5`);
    return { kind: 'nthWeekday', weekday: parseValue(nth[1]!, DAY_OF_WEEK), n };
  }
  // No day name contains an L, so any L left here is a misplaced one.
  if (text.includes('#') || text.includes('L')) {
    throw new CronSyntaxError(`Day-of-week: 'L' and '#' stand alone ('L', '5L', '3#2'), not in '${text}'`);
  }
  // AWS's table gives Day-of-week no '/' increments.
  return { kind: 'dow', weekdays: new Set(parseList(text, DAY_OF_WEEK, false)) };
}

/**
 * Parses the inside of `cron(...)`: six whitespace-separated fields.
 * Throws CronSyntaxError naming what is wrong.
 */
export function parseCronFields(text: string): CronSchedule {
  // Names and the letters L and W are case-insensitive, as in Quartz.
  const fields = text.trim().toUpperCase().split(/\s+/);
  if (fields.length !== 6) throw new CronSyntaxError(`expected 6 fields, got ${fields.length}`);
  const [min, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) {
    throw new CronSyntaxError("exactly one of Day-of-month and Day-of-week must be '?'");
  }
  for (const [value, spec] of [[min, MINUTES], [hour, HOURS], [month, MONTH], [year, YEAR]] as const) {
    if (value.includes('?')) throw new CronSyntaxError(`${spec.name}: '?' is only allowed in Day-of-month or Day-of-week`);
  }
  return {
    minutes: parseList(min, MINUTES),
    hours: parseList(hour, HOURS),
    months: parseList(month, MONTH),
    years: parseList(year, YEAR),
    days: dom === '?' ? parseDayOfWeek(dow) : parseDayOfMonth(dom),
  };
}

/** The supported year range, for callers that bound their search. */
export const CRON_YEARS = { min: YEAR.min, max: YEAR.max } as const;
