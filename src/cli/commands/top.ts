/**
 * `gust top`: the caller's functions over the last minute, busiest first, from the
 * server's `GET /gust/metrics/summary`, redrawn every `--interval` seconds until Ctrl-C;
 * `--once` prints one frame and exits (scripts, tests).
 */
import type { Command } from 'commander';
import { fetchGust, type Target } from '../client.js';
import { CliError, table } from '../output.js';
import { runCommand } from '../run.js';
import type { SummaryRow } from '../../core/model/metrics.js';

const WINDOW_SECONDS = 60;

function ms(v: number | null): string {
  if (v === null) return '-';
  return v < 10 ? `${v.toFixed(2)} ms` : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`;
}

/** One frame: a table of the rows, sorted by rate. */
export function renderTop(rows: SummaryRow[], at: Date): string {
  const sorted = [...rows].sort((a, b) => b.invocations - a.invocations || (a.function < b.function ? -1 : 1));
  const body = sorted.map((r) => [r.function, (r.invocations / WINDOW_SECONDS).toFixed(2), String(r.errors), String(r.throttles), ms(r.p50), ms(r.p99), String(r.concurrency)]);
  const header = `gust top — ${at.toISOString().slice(11, 19)} UTC, last ${WINDOW_SECONDS} s`;
  if (body.length === 0) return `${header}\n(no invocations in the last minute)`;
  return `${header}\n${table(['FUNCTION', 'INV/S', 'ERRORS', 'THROTTLES', 'P50', 'P99', 'CONCURRENCY'], body)}`;
}

async function frame(target: Target): Promise<SummaryRow[]> {
  return fetchGust<SummaryRow[]>(target, '/gust/metrics/summary');
}

/** Resolves after `ms`, or at once when `stop` fires. */
function pause(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    stop.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

export function registerTop(program: Command): void {
  program
    .command('top')
    .description('Watch your functions: invocations per second, errors, throttles, p50/p99 duration and concurrency over the last minute')
    .option('--interval <seconds>', 'seconds between frames', '1')
    .option('--once', 'print one frame and exit')
    .action(async (flags: { interval: string; once?: boolean }, cmd: Command) =>
      runCommand(cmd, async ({ target, json, print }) => {
        const seconds = Number(flags.interval);
        if (!(seconds >= 0.1 && seconds <= 3600)) throw new CliError(`--interval takes seconds from 0.1 to 3600, got '${flags.interval}'`);
        const show = async () => {
          const rows = await frame(target);
          return json ? JSON.stringify(rows, null, 2) : renderTop(rows, new Date());
        };
        if (flags.once) {
          print(await show());
          return;
        }
        const stop = new AbortController();
        const quit = () => stop.abort();
        process.once('SIGINT', quit);
        try {
          // Clearing the screen only where there is one: piped output stays a plain log of frames.
          const clear = process.stdout.isTTY ? '\x1b[H\x1b[2J' : '';
          while (!stop.signal.aborted) {
            process.stdout.write(`${clear}${await show()}\n`);
            await pause(seconds * 1000, stop.signal);
          }
        } finally {
          process.off('SIGINT', quit);
        }
      }),
    );
}
