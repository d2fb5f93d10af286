/**
 * `gust events [fn]`: the async queue, from the server's `/gust/events` routes. With a
 * function: its counters, its queued, in-flight and retrying events, and its latest failed
 * or dead-lettered ones. Without: the totals over every function.
 */
import type { Command } from 'commander';
import { fetchGust } from '../client.js';
import { CliError, keyValues, table } from '../output.js';
import { runCommand } from '../run.js';

interface Counters {
  [name: string]: number;
}

interface Stats {
  queued: number;
  inFlight: number;
  retrying: number;
  finishing: number;
  oldestEventAgeMs: number;
  counters: Counters;
}

interface FunctionReport extends Stats {
  functionName: string;
  events: { requestId: string; qualifier?: string; state: string; attempts: number; enqueuedAt: number; nextAttemptAt?: number; lastError?: string }[];
  failed: { requestId: string; qualifier?: string; condition: string; attempts: number; failedAt: number; error?: string; sentTo: string[] }[];
}

interface Totals extends Stats {
  functions: string[];
}

/** `1.2 s`, `3 m 4 s`: an age for people. */
export function formatAge(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} m ${Math.floor((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} m`;
}

function summary(s: Stats): string {
  const c = s.counters;
  return keyValues([
    ['queued', String(s.queued)],
    ['in flight', String(s.inFlight)],
    ['retrying', String(s.retrying)],
    ['finishing', String(s.finishing)],
    ['oldest event', s.queued + s.inFlight + s.retrying === 0 ? '-' : formatAge(s.oldestEventAgeMs)],
    ['accepted', String(c.enqueued ?? 0)],
    ['succeeded', String(c.succeeded ?? 0)],
    ['function errors', String(c.functionErrors ?? 0)],
    ['retries', String(c.retries ?? 0)],
    ['throttles', String(c.throttles ?? 0)],
    ['failed', String(c.failed ?? 0)],
    ['dead-lettered', String(c.deadLettered ?? 0)],
    ['destination deliveries', String(c.destinationDeliveries ?? 0)],
    ['destination failures', String(c.destinationFailures ?? 0)],
  ]);
}

export function renderReport(r: FunctionReport, now: number): string {
  const parts = [summary(r)];
  if (r.events.length > 0) {
    const rows = r.events.map((e) => [
      e.requestId,
      e.qualifier ?? '',
      e.state,
      String(e.attempts),
      formatAge(now - e.enqueuedAt),
      e.nextAttemptAt === undefined ? '' : `in ${formatAge(Math.max(0, e.nextAttemptAt - now))}`,
      e.lastError ?? '',
    ]);
    parts.push(table(['REQUEST ID', 'QUALIFIER', 'STATE', 'ATTEMPTS', 'AGE', 'NEXT', 'LAST ERROR'], rows));
  }
  if (r.failed.length > 0) {
    const rows = r.failed.map((f) => [f.requestId, f.qualifier ?? '', f.condition, String(f.attempts), new Date(f.failedAt).toISOString(), f.sentTo.join(', ') || '-', f.error ?? '']);
    parts.push(`failed (newest first)\n${table(['REQUEST ID', 'QUALIFIER', 'CONDITION', 'ATTEMPTS', 'FAILED AT', 'SENT TO', 'ERROR'], rows)}`);
  }
  return parts.join('\n\n');
}

export function registerEvents(program: Command): void {
  program
    .command('events')
    .description("Show a function's async event queue: queued, in-flight, retrying and failed events")
    .argument('[function]', 'function name (all functions when left out)')
    .option('--limit <n>', 'events and failures to list', '100')
    .action(async (fn: string | undefined, flags: { limit: string }, cmd: Command) =>
      runCommand(cmd, async ({ target, json, print }) => {
        if (!/^[1-9][0-9]{0,4}$/.test(flags.limit)) throw new CliError(`--limit takes a number from 1 to 10000, got '${flags.limit}'`);
        if (fn === undefined) {
          const totals = await fetchGust<Totals>(target, '/gust/events');
          print(json ? JSON.stringify(totals, null, 2) : `${summary(totals)}${totals.functions.length ? `\n\nfunctions  ${totals.functions.join(', ')}` : ''}`);
          return;
        }
        const report = await fetchGust<FunctionReport>(target, `/gust/events/${encodeURIComponent(fn)}?limit=${flags.limit}`);
        print(json ? JSON.stringify(report, null, 2) : renderReport(report, Date.now()));
      }),
    );
}
