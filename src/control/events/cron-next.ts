/**
 * When a parsed cron expression fires next, in UTC (EventBridge rules evaluate cron in UTC;
 * there is no daylight saving time to step over). Minute precision: the result is always a
 * whole minute strictly after the given instant.
 */
import type { CronSchedule, DaySpec } from './cron-fields.js';

/** Days in a month (1-12) of a year, leap years included. */
export function daysInMonth(year: number, month: number): number {
  // Day 0 of the next month is the last day of this one.
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Day of the week in cron's numbering: 1 = Sunday … 7 = Saturday. */
export function cronWeekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

const SUNDAY = 1;
const SATURDAY = 7;

/** The weekday nearest `day` without leaving the month (Quartz's `W`). */
function nearestWeekday(year: number, month: number, day: number, last: number): number {
  const weekday = cronWeekday(year, month, day);
  if (weekday === SATURDAY) return day === 1 ? 3 : day - 1;
  if (weekday === SUNDAY) return day === last ? day - 2 : day + 1;
  return day;
}

/** The days of one month on which the day rule fires, ascending. */
export function matchingDays(spec: DaySpec, year: number, month: number): number[] {
  const last = daysInMonth(year, month);
  switch (spec.kind) {
    case 'dom':
      return [...spec.days].filter((d) => d <= last).sort((a, b) => a - b);
    case 'lastDay':
      return [last];
    case 'lastWeekday':
      return [nearestWeekday(year, month, last, last)];
    case 'nearestWeekday':
      // A day the month does not have (30W in February) never fires in that month.
      return spec.day > last ? [] : [nearestWeekday(year, month, spec.day, last)];
    case 'dow': {
      const first = cronWeekday(year, month, 1);
      const out: number[] = [];
      for (let d = 1; d <= last; d++) if (spec.weekdays.has(((first - 1 + d - 1) % 7) + 1)) out.push(d);
      return out;
    }
    case 'lastWeekdayOf':
      return [last - ((cronWeekday(year, month, last) - spec.weekday + 7) % 7)];
    case 'nthWeekday': {
      const firstOccurrence = 1 + ((spec.weekday - cronWeekday(year, month, 1) + 7) % 7);
      const day = firstOccurrence + (spec.n - 1) * 7;
      return day <= last ? [day] : [];
    }
    default:
      throw new Error(`Unknown day rule: ${JSON.stringify(spec satisfies never)}`);
  }
}

const MINUTE_MS = 60_000;

/**
 * The first whole minute strictly after `afterMs` that the schedule matches, or undefined
 * when there is none (the years have passed, or the days never exist, as `31 2`).
 */
export function nextCronTime(schedule: CronSchedule, afterMs: number): number | undefined {
  const start = new Date(Math.floor(afterMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
  const sy = start.getUTCFullYear();
  const sm = start.getUTCMonth() + 1;
  const sd = start.getUTCDate();
  const sh = start.getUTCHours();
  const smin = start.getUTCMinutes();
  // Each level narrows to the start's own value only while every level above it is still
  // the start's: once a later month is chosen, every day, hour and minute is open.
  for (const year of schedule.years) {
    if (year < sy) continue;
    const inStartYear = year === sy;
    for (const month of schedule.months) {
      if (inStartYear && month < sm) continue;
      const inStartMonth = inStartYear && month === sm;
      for (const day of matchingDays(schedule.days, year, month)) {
        if (inStartMonth && day < sd) continue;
        const inStartDay = inStartMonth && day === sd;
        for (const hour of schedule.hours) {
          if (inStartDay && hour < sh) continue;
          const inStartHour = inStartDay && hour === sh;
          for (const minute of schedule.minutes) {
            if (inStartHour && minute < smin) continue;
            return Date.UTC(year, month - 1, day, hour, minute);
          }
        }
      }
    }
  }
  return undefined;
}
