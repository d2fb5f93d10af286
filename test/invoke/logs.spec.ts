/**
 * Invocation logs as users read them: the `LogType: Tail` of Invoke (START, the handler's
 * console lines in the Node runtime's layout, END, and a REPORT line in AWS's exact
 * layout), `gust logs`, and `gust invoke` with and without `--log` — the built CLI spawned
 * as a real process against a real server.
 *
 * The CLI is spawned with the CLI suites' helpers (test/cli/support.ts), which build dist/
 * first when it is older than src/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, ROOT, runGust, SLOW, type Run } from '../cli/support.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { createFunction, invoke } from '../helpers/lambda.js';
import { REPORT_LINE, reportOf } from '../helpers/invoke.js';

const HANDLER = `
exports.handler = async (event) => {
  if (event.fail) throw new Error('it broke');
  if (event.chatty) for (let i = 0; i < 200; i++) console.log('line ' + i + ' ' + 'y'.repeat(40));
  console.log('hello from the handler', event.a ?? '');
  return { got: event };
};
`;

const ISO = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z`;

let t: TestGust;

beforeAll(buildCli, 180_000);

beforeAll(async () => {
  t = await startTestGust();
  await createFunction(t.lambda, 'talker', { files: { 'index.js': HANDLER } });
});

afterAll(async () => {
  await t?.stop();
});

function gust(args: string[]): Promise<Run> {
  return runGust(args, { cwd: ROOT, endpoint: t.url });
}

/** Index of the first line of `lines` matching `re` (fails when none does). */
function lineIndex(lines: string[], re: RegExp): number {
  const i = lines.findIndex((l) => re.test(l));
  expect(i, `a line matching ${re} in:\n${lines.join('\n')}`).toBeGreaterThanOrEqual(0);
  return i;
}

describe('LogType Tail', () => {
  it('returns START, the console line, END and an exact REPORT line; Init Duration on the cold start only', async () => {
    const cold = await invoke(t.lambda, 'talker', { a: 'first' }, { LogType: 'Tail' });
    const id = cold.requestId!;
    const lines = cold.log!.split('\n');
    const start = lineIndex(lines, new RegExp(`^START RequestId: ${id} Version: \\$LATEST$`));
    const own = lineIndex(lines, new RegExp(`^${ISO}\\t${id}\\tINFO\\thello from the handler first$`));
    const end = lineIndex(lines, new RegExp(`^END RequestId: ${id}$`));
    const report = lineIndex(lines, /^REPORT /);
    expect([start, own, end, report]).toEqual([...[start, own, end, report]].sort((a, b) => a - b));
    expect(lines[report]).toMatch(REPORT_LINE);
    expect(lines[report]).toMatch(new RegExp(`^REPORT RequestId: ${id}\\tDuration: \\d+\\.\\d{2} ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB\\tInit Duration: \\d+\\.\\d{2} ms$`));
    const r = reportOf(cold.log!, id);
    expect(r.maxMemoryUsedMb).toBeGreaterThan(10);
    expect(r.maxMemoryUsedMb).toBeLessThan(512);
    expect(r.billedMs).toBeGreaterThanOrEqual(Math.ceil(r.durationMs));

    const warm = await invoke(t.lambda, 'talker', { a: 'second' }, { LogType: 'Tail' });
    const warmReport = warm.log!.split('\n').find((l) => l.startsWith('REPORT '))!;
    expect(warmReport).toMatch(new RegExp(`^REPORT RequestId: ${warm.requestId}\\tDuration: \\d+\\.\\d{2} ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB$`));
    expect(reportOf(warm.log!).maxMemoryUsedMb).toBeGreaterThan(10);
    // Only this invocation's lines.
    expect(warm.log).not.toContain(id);
  });

  it('keeps the last 4 KB of a chatty invocation, ending with its REPORT line', async () => {
    const r = await invoke(t.lambda, 'talker', { chatty: true }, { LogType: 'Tail' });
    expect(Buffer.byteLength(r.log!, 'utf8')).toBeLessThanOrEqual(4096);
    expect(Buffer.byteLength(r.log!, 'utf8')).toBeGreaterThan(3000);
    expect(r.log).toMatch(/\tINFO\tline 199 y+\n/);
    expect(r.log!.trimEnd().split('\n').at(-1)).toMatch(REPORT_LINE);
  });

  it('sends no log without LogType Tail', async () => {
    const r = await invoke(t.lambda, 'talker');
    expect(r.log).toBeUndefined();
  });
});

describe('gust logs and gust invoke', SLOW, () => {
  it('gust logs prints the START, END and REPORT lines of past invocations', async () => {
    const a = await invoke(t.lambda, 'talker', { a: 'for-logs' });
    const run = await gust(['logs', 'talker']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    for (const l of lines) expect(l).toMatch(new RegExp(`^${ISO}  `));
    const id = a.requestId!;
    const start = lineIndex(lines, new RegExp(`  START RequestId: ${id} Version: \\$LATEST$`));
    const own = lineIndex(lines, new RegExp(`  ${ISO}\\t${id}\\tINFO\\thello from the handler for-logs$`));
    const end = lineIndex(lines, new RegExp(`  END RequestId: ${id}$`));
    const report = lineIndex(lines, new RegExp(`  REPORT RequestId: ${id}\\t`));
    expect(start).toBeLessThan(own);
    expect(own).toBeLessThan(end);
    expect(end).toBeLessThan(report);
    expect(lines[report]!.slice(lines[report]!.indexOf('REPORT'))).toMatch(REPORT_LINE);
  });

  it('gust logs refuses an unknown function in one line', async () => {
    const run = await gust(['logs', 'nobody']);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^gust: .*ResourceNotFoundException.*nobody\n$/);
  });

  it('gust invoke prints the result, and with --log the log tail on stderr', async () => {
    const plain = await gust(['invoke', 'talker', '--payload', '{"a":1}']);
    expect(plain.stderr).toBe('');
    expect(plain.code).toBe(0);
    expect(JSON.parse(plain.stdout)).toEqual({ got: { a: 1 } });

    const logged = await gust(['invoke', 'talker', '--payload', '{"a":2}', '--log']);
    expect(logged.code).toBe(0);
    expect(JSON.parse(logged.stdout)).toEqual({ got: { a: 2 } });
    expect(logged.stderr).toMatch(/^START RequestId: \S+ Version: \$LATEST$/m);
    expect(logged.stderr).toMatch(/\tINFO\thello from the handler 2$/m);
    expect(logged.stderr).toMatch(/^END RequestId: \S+$/m);
    expect(logged.stderr.trimEnd().split('\n').at(-1)).toMatch(REPORT_LINE);
  });

  it('gust invoke exits non-zero with one line on stderr when the function fails', async () => {
    const run = await gust(['invoke', 'talker', '--payload', '{"fail":true}']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toBe('gust: function error (Unhandled) in version $LATEST\n');
    // The error document is the result, printed as any result.
    expect(JSON.parse(run.stdout)).toMatchObject({ errorType: 'Error', errorMessage: 'it broke' });
  });
});
