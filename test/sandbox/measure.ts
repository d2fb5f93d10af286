/**
 * Measures the namespace driver against the process driver in one run (not a test; run with
 * `npx vite-node test/sandbox/measure.ts [coldRuns] [warmRuns]`): cold starts of node and
 * python (each iteration changes an environment variable, so the next invoke starts a new
 * environment; drivers interleaved), warm invoke latency, and what a namespace sandbox adds
 * per idle environment (bwrap and gust-init, resident memory).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { CreateFunctionCommand, GetFunctionConfigurationCommand, InvokeCommand, UpdateFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { makeZip } from '../helpers/zips.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';

const COLD = Number(process.argv[2] ?? 20);
const WARM = Number(process.argv[3] ?? 200);

const FUNCTIONS = {
  node: { Runtime: 'nodejs20.x' as const, Handler: 'index.handler', files: { 'index.js': 'exports.handler = async (e) => e;' } },
  python: { Runtime: 'python3.12' as const, Handler: 'lambda_function.handler', files: { 'lambda_function.py': 'def handler(event, context):\n    return event\n' } },
};

// Own small helpers: test/helpers/invoke.ts needs a running vitest.
async function waitActive(lambda: LambdaClient, name: string): Promise<void> {
  for (;;) {
    const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    if (c.State === 'Active' && c.LastUpdateStatus !== 'InProgress') return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function createFunction(lambda: LambdaClient, name: string, spec: (typeof FUNCTIONS)[keyof typeof FUNCTIONS]): Promise<void> {
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: spec.Runtime, Handler: spec.Handler, Role: 'arn:aws:iam::000000000000:role/r', Code: { ZipFile: await makeZip(spec.files) } }));
  await waitActive(lambda, name);
}

/** One invoke; the Init Duration of its REPORT line when LogType is Tail and it was a cold start. */
async function invoke(lambda: LambdaClient, name: string, payload: unknown, tail = false): Promise<{ initMs: number | undefined }> {
  const out = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)), ...(tail ? { LogType: 'Tail' as const } : {}) }));
  if (out.FunctionError) throw new Error(`${name}: ${Buffer.from(out.Payload ?? []).toString()}`);
  const log = out.LogResult ? Buffer.from(out.LogResult, 'base64').toString() : '';
  const m = /Init Duration: ([\d.]+) ms/.exec(log);
  return { initMs: m ? Number(m[1]) : undefined };
}

function p50(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

function descendsFromUs(pid: number): boolean {
  for (let p = pid, i = 0; p > 1 && i < 64; i++) {
    const stat = readFileSync(`/proc/${p}/stat`, 'latin1');
    p = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (p === process.pid) return true;
  }
  return false;
}

/** Resident memory of bwrap and gust-init processes (the namespace driver's own per environment). */
function sandboxOverheadKb(): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'latin1');
      if ((cmd.startsWith('/usr/bin/bwrap\0--args') || cmd.startsWith('/init\0')) && descendsFromUs(Number(p))) out.push(rssKb(Number(p)));
    } catch {
      // gone
    }
  }
  return out;
}

async function main(): Promise<void> {
  const gusts: Record<string, TestGust> = {
    process: await startTestGust({ flags: { sandbox: 'process' } }),
    namespace: await startTestGust({ flags: { sandbox: 'namespace' } }),
  };
  const cold: Record<string, { initMs: number[]; e2eMs: number[] }> = {};
  try {
    for (const t of Object.values(gusts)) {
      for (const [lang, spec] of Object.entries(FUNCTIONS)) await createFunction(t.lambda, lang, spec);
    }
    for (let i = 0; i < COLD; i++) {
      for (const [lang] of Object.entries(FUNCTIONS)) {
        for (const [driver, t] of Object.entries(gusts)) {
          await t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: lang, Environment: { Variables: { RUN: String(i) } } }));
          await waitActive(t.lambda, lang);
          const t0 = performance.now();
          const r = await invoke(t.lambda, lang, { i }, true);
          const e2e = performance.now() - t0;
          const key = `${lang} ${driver}`;
          cold[key] ??= { initMs: [], e2eMs: [] };
          cold[key].initMs.push(r.initMs ?? NaN);
          cold[key].e2eMs.push(e2e);
        }
      }
    }
    console.log(`cold start, p50 of ${COLD} (Init Duration from REPORT; end to end through the SDK):`);
    for (const [key, v] of Object.entries(cold)) console.log(`  ${key.padEnd(18)} init ${p50(v.initMs).toFixed(1)} ms   e2e ${p50(v.e2eMs).toFixed(1)} ms`);

    console.log(`warm invoke, p50 of ${WARM} (SDK round trip):`);
    for (const [lang] of Object.entries(FUNCTIONS)) {
      for (const [driver, t] of Object.entries(gusts)) {
        await invoke(t.lambda, lang, {});
        const times: number[] = [];
        for (let i = 0; i < WARM; i++) {
          const t0 = performance.now();
          await invoke(t.lambda, lang, { i });
          times.push(performance.now() - t0);
        }
        console.log(`  ${`${lang} ${driver}`.padEnd(18)} ${p50(times).toFixed(2)} ms`);
      }
    }
    const overhead = sandboxOverheadKb();
    console.log(`namespace driver's own processes per idle environment (bwrap + gust-init RSS, ${overhead.length / 2} environments): ${(overhead.reduce((a, b) => a + b, 0) / Math.max(1, overhead.length / 2) / 1024).toFixed(2)} MB`);
  } finally {
    for (const t of Object.values(gusts)) await t.stop();
  }
}

await main();
