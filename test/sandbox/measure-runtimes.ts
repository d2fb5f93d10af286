/**
 * Cold start of every runtime identifier installed in a runtimes directory, on the
 * namespace driver (not a test; run with
 * `npx vite-node test/sandbox/measure-runtimes.ts [runtimesDir] [coldRuns]`): each round
 * changes an environment variable so that the next invoke starts a new environment, the
 * identifiers taking turns; prints invoke → response and REPORT's Init Duration, p50 and min.
 */
import { performance } from 'node:perf_hooks';
import { CreateFunctionCommand, GetFunctionConfigurationCommand, InvokeCommand, UpdateFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { SUPPORTED_RUNTIMES, type Runtime } from '../../src/core/limits.js';
import { RuntimeProvider } from '../../src/sandbox/runtimes/runtime-provider.js';
import { startTestGust } from '../helpers/gust.js';
import { testRuntimesDir } from '../helpers/runtimes.js';
import { makeZip } from '../helpers/zips.js';

const DIR = process.argv[2] ?? testRuntimesDir();
const COLD = Number(process.argv[3] ?? 10);

const provider = new RuntimeProvider({ dir: DIR, npmRegistry: 'https://registry.npmjs.org/', debian: { mirror: 'http://deb.debian.org' }, systemRoots: true });
const runtimes = SUPPORTED_RUNTIMES.filter((r) => !r.startsWith('provided') && ['host', 'installed'].includes(provider.status(r).state));

const CODE = {
  nodejs: { Handler: 'index.handler', name: 'index.js', data: 'exports.handler = async (e) => e;' },
  python: { Handler: 'app.handler', name: 'app.py', data: 'def handler(event, context):\n    return event\n' },
};

async function waitActive(lambda: LambdaClient, name: string): Promise<void> {
  for (;;) {
    const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    if (c.State === 'Active' && c.LastUpdateStatus !== 'InProgress') return;
    if (c.State === 'Failed') throw new Error(`${name}: ${c.StateReason}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${s[Math.floor(s.length / 2)]!.toFixed(1)} ms, min ${s[0]!.toFixed(1)} ms`;
};

const t = await startTestGust({ flags: { sandbox: 'namespace', runtimesDir: DIR } });
try {
  const name = (r: Runtime) => r.replace('.', '-');
  for (const r of runtimes) {
    const code = CODE[r.startsWith('python') ? 'python' : 'nodejs'];
    await t.lambda.send(new CreateFunctionCommand({ FunctionName: name(r), Runtime: r, Handler: code.Handler, Role: 'arn:aws:iam::000000000000:role/r', Code: { ZipFile: await makeZip({ [code.name]: code.data }) } }));
    await waitActive(t.lambda, name(r));
  }
  const results = new Map<Runtime, { total: number[]; init: number[] }>(runtimes.map((r) => [r, { total: [], init: [] }]));
  for (let i = 0; i < COLD; i++) {
    for (const r of runtimes) {
      await t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name(r), Environment: { Variables: { RUN: String(i) } } }));
      await waitActive(t.lambda, name(r));
      const started = performance.now();
      const out = await t.lambda.send(new InvokeCommand({ FunctionName: name(r), Payload: Buffer.from('{}'), LogType: 'Tail' }));
      const total = performance.now() - started;
      if (out.FunctionError) throw new Error(`${r}: ${Buffer.from(out.Payload ?? []).toString()}`);
      const init = /Init Duration: ([\d.]+) ms/.exec(Buffer.from(out.LogResult ?? '', 'base64').toString());
      results.get(r)!.total.push(total);
      if (init) results.get(r)!.init.push(Number(init[1]));
    }
  }
  for (const [r, { total, init }] of results) {
    const s = provider.status(r);
    console.log(`${r.padEnd(11)} ${String(s.version).padEnd(9)} invoke → response ${stats(total)}; Init Duration ${stats(init)}`);
  }
} finally {
  await t.stop();
}
