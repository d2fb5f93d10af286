/**
 * Crash safety and throughput with `gust serve` as users run it: a real child process
 * (`node bin/gust.js serve --port 0`), its URL read from the 'gust listening' log line.
 * - Throughput: 2,000 events to a no-op Node.js function from 16 concurrent clients;
 *   accepted (202) and processed events per second are printed.
 * - Crash: 2,000 events to a function that appends its request id to a file, the server
 *   killed with SIGKILL half-way, restarted on the same data dir: every event that got a
 *   202 runs at least once (duplicates are counted and printed: at-least-once), and every
 *   one has its REPORT line in the function's logs: an event finished before the kill kept
 *   its logs with its outcome, one cut short logged again when it was delivered again.
 * - `gust events` against the restarted server.
 *
 * bin/gust.js runs the compiled dist/, so beforeAll runs scripts/build-if-needed.js.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crashRig, ROOT, serve } from '../helpers/gust-process.js';
import { createFunction } from '../helpers/lambda.js';
import { waitFor } from '../helpers/wait.js';
import { asyncReport, drained, postEvent, type EventAnswer } from './support.js';

const EVENTS = 2000;
const CLIENTS = 16;

const NOOP = 'exports.handler = async () => {};';
const SINK = `
const fs = require('fs');
exports.handler = async (event, context) => {
  fs.appendFileSync(process.env.OUT, context.awsRequestId + '\\n');
};
`;

// The sink records what it saw in a host file, which only the process driver lets a function write.
const SERVE_ARGS = ['--async-retry-base', '50ms', '--async-throttle-base', '20ms', '--keep-alive', '30s', '--sandbox', 'process'];

/** `n` Event invokes from `clients` concurrent clients; stops early when `stopAfter` says so. Failed requests are left out. */
async function flood(url: string, fn: string, n: number, clients: number, stop: (accepted: number) => boolean = () => false): Promise<EventAnswer[]> {
  const accepted: EventAnswer[] = [];
  let next = 0;
  let halted = false;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (!halted && next < n) {
        const i = next++;
        try {
          const answer = await postEvent(url, fn, JSON.stringify({ i }));
          if (answer.status === 202) accepted.push(answer);
          if (stop(accepted.length)) halted = true;
        } catch {
          halted = true; // the server is gone
        }
      }
    }),
  );
  return accepted;
}

/** Every log line of a function, through Gust's log route, page by page. */
async function allLogLines(url: string, fn: string): Promise<string[]> {
  const messages: string[] = [];
  for (let after = '';;) {
    const res = await fetch(`${url}/gust/logs/${fn}?limit=10000${after === '' ? '' : `&after=${after}`}`);
    const page = (await res.json()) as { events: { message: string }[]; cursor: string };
    if (page.events.length === 0) return messages;
    messages.push(...page.events.map((e) => e.message));
    after = page.cursor;
  }
}

function gustCli(args: string[], endpoint: string): { code: number; stdout: string } {
  try {
    const stdout = execFileSync(process.execPath, [join(ROOT, 'bin/gust.js'), ...args], { env: { ...process.env, GUST_ENDPOINT: endpoint }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { status: number; stdout: string };
    return { code: e.status, stdout: e.stdout };
  }
}

describe('gust serve: async throughput, kill -9 and restart', () => {
  const rig = crashRig('gust-crash');

  it('accepts and processes 2,000 events for a no-op function, and prints the rates', async () => {
    rig.server = await serve(rig.dataDir, SERVE_ARGS);
    await createFunction(rig.server.lambda, 'noop', { files: { 'index.js': NOOP } });
    await createFunction(rig.server.lambda, 'sink', { files: { 'index.js': SINK }, Environment: { Variables: { OUT: join(rig.out, 'sink.txt') } } });
    const start = Date.now();
    const accepted = await flood(rig.server.url, 'noop', EVENTS, CLIENTS);
    const acceptedIn = Date.now() - start;
    expect(accepted).toHaveLength(EVENTS);
    const report = await waitFor('noop to process every event', async () => {
      const r = await asyncReport(rig.server!.url, 'noop');
      return r.counters.succeeded === EVENTS ? r : undefined;
    }, 60_000, 10);
    const processedIn = Date.now() - start;
    expect(report.queued + report.inFlight + report.retrying).toBe(0);
    console.log(
      `async throughput (${CLIENTS} clients, ${EVENTS} events, no-op nodejs20.x): accepted ${Math.round((EVENTS * 1000) / acceptedIn)}/s (${acceptedIn} ms); ` +
        `processed ${Math.round((EVENTS * 1000) / processedIn)}/s (all done ${processedIn} ms after the first request)`,
    );
  }, 120_000);

  it('after kill -9 mid-way and a restart on the same data dir, every accepted event runs at least once', async () => {
    const first = rig.server!;
    const file = join(rig.out, 'sink.txt');
    const accepted = await flood(first.url, 'sink', EVENTS, CLIENTS, (n) => {
      if (n === EVENTS / 2) first.child.kill('SIGKILL');
      return false;
    });
    await first.exited;
    first.lambda.destroy();
    const before = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
    expect(accepted.length).toBeGreaterThanOrEqual(EVENTS / 2);

    rig.server = await serve(rig.dataDir, SERVE_ARGS);
    await drained(rig.server.url, 'sink', 60_000);
    const ran = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const counts = new Map<string, number>();
    for (const id of ran) counts.set(id, (counts.get(id) ?? 0) + 1);
    const missing = accepted.filter((a) => !counts.has(a.requestId));
    const duplicates = [...counts.values()].filter((c) => c > 1).length;
    const unacknowledged = [...counts.keys()].filter((id) => !accepted.some((a) => a.requestId === id)).length;
    console.log(
      `kill -9 after ${EVENTS / 2} 202s: ${accepted.length} accepted, ${before} run before the kill, ${ran.length} runs in all; ` +
        `missing ${missing.length}, duplicates ${duplicates}, committed without a 202 (request cut by the kill) ${unacknowledged}`,
    );
    expect(missing).toEqual([]);

    const reported = new Set((await allLogLines(rig.server.url, 'sink')).flatMap((m) => /^REPORT RequestId: (\S+)\t/.exec(m)?.[1] ?? []));
    const withoutLogs = accepted.filter((a) => !reported.has(a.requestId));
    console.log(`kill -9: ${reported.size} request ids with a REPORT line; ${withoutLogs.length} accepted events without one`);
    expect(withoutLogs).toEqual([]);
  }, 120_000);

  it('gust events shows the counters and the queue of a function', async () => {
    // The counters are this server's: the restarted one may have found nothing left to run
    // (every event ran before the kill when the environments kept up with the flood).
    expect((await postEvent(rig.server!.url, 'sink', '{"after":"restart"}')).status).toBe(202);
    await drained(rig.server!.url, 'sink', 60_000);
    const text = gustCli(['events', 'sink'], rig.server!.url);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^queued\s+0$/m);
    expect(text.stdout).toMatch(/^succeeded\s+\d+$/m);
    const json = gustCli(['events', 'sink', '--json'], rig.server!.url);
    const report = JSON.parse(json.stdout) as { functionName: string; queued: number; counters: { succeeded: number } };
    expect(report.functionName).toBe('sink');
    expect(report.queued).toBe(0);
    expect(report.counters.succeeded).toBeGreaterThan(0);
    const totals = gustCli(['events'], rig.server!.url);
    expect(totals.stdout).toMatch(/^functions\s+sink$/m);
    const missing = gustCli(['events', 'nope'], rig.server!.url);
    expect(missing.code).toBe(1);
  }, 60_000);
});
