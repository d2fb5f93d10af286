/**
 * `gust logs <fn>`: a function's log lines (START, its output, END, REPORT) from the
 * server's `/gust/logs` route; `--follow` keeps polling with the page cursor.
 */
import type { Command } from 'commander';
import { fetchGust } from '../client.js';
import { CliError } from '../output.js';
import { runCommand } from '../run.js';

interface LogsFlags {
  follow?: boolean;
  since?: string;
}

interface LogsPage {
  events: { timestamp: number; logStream: string; message: string }[];
  cursor: string;
}

const FOLLOW_POLL_MS = 500;

/** `10m`, `2h`, `30s`, `1d` ago, or an ISO time; returns ms since the epoch. */
export function parseSince(raw: string, now: number): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(raw);
  if (m) return now - Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw new CliError(`--since takes a duration such as 10m or 2h, or an ISO time; got '${raw}'`);
  return t;
}

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("Print a function's logs")
    .argument('<function>', 'function name')
    .option('-f, --follow', 'keep printing new lines')
    .option('--since <when>', 'only lines since a duration ago (10m, 2h) or an ISO time')
    .action(async (fn: string, flags: LogsFlags, cmd: Command) =>
      runCommand(cmd, async ({ target, json, print }) => {
        const query = new URLSearchParams();
        if (flags.since !== undefined) query.set('since', String(parseSince(flags.since, Date.now())));
        let stop = false;
        process.once('SIGINT', () => (stop = true));
        for (;;) {
          const page = await fetchGust<LogsPage>(target, `/gust/logs/${encodeURIComponent(fn)}?${query}`);
          for (const e of page.events) {
            print(json ? JSON.stringify(e) : `${new Date(e.timestamp).toISOString()}  ${e.message.replace(/\n$/, '')}`);
          }
          query.set('after', page.cursor);
          if (page.events.length > 0) continue;
          if (!flags.follow || stop) return;
          await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
          if (stop) return;
        }
      }),
    );
}
