/**
 * The runtime probe: a real cold start of a hello-world function in each language runtime
 * that is ready on this host, in the sandbox driver functions run in, with its mounts,
 * bootstrap and SDK — so that a broken runtime set-up (an interpreter that does not start
 * in the sandbox, a bootstrap or SDK it cannot read) is found when Gust starts, not at a
 * user's first invoke. `gust serve` runs it in the background once it listens, one runtime
 * at a time, on a pool of its own (nothing of any account's counting, logs or code).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../core/clock.js';
import { newRequestId, newTraceId } from '../core/ids.js';
import { SUPPORTED_RUNTIMES, type Runtime } from '../core/limits.js';
import type { LogEvent } from '../core/model/logs.js';
import { Pool, type InvokableVersion } from '../pool/pool.js';
import { RuntimeCommandResolver, type RuntimeImages } from '../sandbox/runtime-command.js';
import { runtimeName } from '../sandbox/ready-pool.js';
import type { SandboxDriver, SandboxSpec } from '../sandbox/sandbox-driver.js';

export interface ProbeResult {
  runtime: Runtime;
  ok: boolean;
  /** Init Duration of the probe's cold start, when it answered. */
  initMs?: number;
  /** What went wrong: the platform's error type and message, and the last log lines. */
  problem?: string;
}

export interface ProbeDeps {
  driver: SandboxDriver;
  images: RuntimeImages;
  region: string;
  /** A directory the probe may write its functions' code to. */
  workDir: string;
  /** Gust's API URL, for drivers that leave functions on the host's network. */
  endpointUrl: () => string;
  /**
   * Whether a function uses the runtime: only those keep sandboxes booted ahead because the
   * probe started one. Without it, every runtime probed does.
   */
  inUse?: (runtime: Runtime) => boolean;
  /** The probe arms its runtimes for a function waiting for its first start: their ready sandboxes boot at once. */
  arming?: boolean;
}

/**
 * The driver as the probe starts it: a runtime no function uses keeps no ready sandboxes
 * (each a booted interpreter, ~40 MB of Node) for the probe's sake; its first function's
 * first start arms it.
 */
function probeDriver(driver: SandboxDriver, inUse: ((runtime: Runtime) => boolean) | undefined, arming: boolean): SandboxDriver {
  if (!inUse && !arming) return driver;
  const stock = (spec: SandboxSpec): SandboxSpec['stockReady'] => {
    if (spec.runtime && inUse && !inUse(runtimeName(spec.runtime))) return false;
    return arming ? 'at-once' : undefined;
  };
  return {
    get name() {
      return driver.name;
    },
    layout: (mounts) => driver.layout(mounts),
    start: (spec) => {
      const stockReady = stock(spec);
      return driver.start(stockReady === undefined ? spec : { ...spec, stockReady });
    },
  };
}

/** What each language runtime's hello world is: its files and handler. */
function helloWorld(runtime: Runtime): { files: Record<string, string>; handler: string } | undefined {
  if (runtime.startsWith('nodejs')) return { files: { 'index.mjs': 'export const handler = async () => "ok";\n' }, handler: 'index.handler' };
  if (runtime.startsWith('python')) return { files: { 'lambda_function.py': 'def lambda_handler(event, context):\n    return "ok"\n' }, handler: 'lambda_function.lambda_handler' };
  return undefined;
}

function probeVersion(runtime: Runtime, codeDir: string, handler: string): InvokableVersion {
  const functionName = `gust-probe-${runtime.replace(/\./g, '-')}`;
  return {
    functionName,
    version: '$LATEST',
    description: 'Gust runtime probe',
    runtime,
    role: 'arn:aws:iam::000000000000:role/gust-probe',
    handler,
    timeout: 10,
    memorySize: 128,
    ephemeralStorageMb: 512,
    environment: {},
    layers: [],
    architectures: ['x86_64'],
    packageType: 'Zip',
    codeHash: `probe-${runtime}`,
    codeSha256: '',
    codeSize: 0,
    lastModified: new Date(0).toISOString(),
    revisionId: 'probe',
    state: 'Active',
    lastUpdateStatus: 'Successful',
    tracingMode: 'PassThrough',
    loggingConfig: { logFormat: 'Text', logGroup: `/aws/lambda/${functionName}` },
    codeDir,
    layerDirs: [],
  };
}

/** The error document's message, or the answer itself. */
function messageOf(payload: Buffer): string {
  const text = payload.toString();
  try {
    const doc = JSON.parse(text) as { errorMessage?: unknown };
    if (typeof doc.errorMessage === 'string') return doc.errorMessage;
  } catch {
    // Not an error document: the answer as it came.
  }
  return text.slice(0, 300);
}

/** What the runtime itself printed (the platform's own lines left out), last lines first to go. */
function runtimeOutput(lines: readonly LogEvent[]): string {
  const own = lines.map((l) => l.message.trim()).filter((m) => m !== '' && !/^(START|END|REPORT|INIT_REPORT|INIT_START) |^RequestId: |^Runtime\.\w+$/.test(m));
  return own.length === 0 ? '' : ` — it printed: ${own.slice(-5).join(' | ')}`;
}

/** Cold-starts and invokes each of `runtimes` in turn; one result each. */
export async function probeRuntimes(deps: ProbeDeps, runtimes: readonly Runtime[]): Promise<ProbeResult[]> {
  const lines: LogEvent[] = [];
  const pool = new Pool({
    driver: probeDriver(deps.driver, deps.inUse, deps.arming ?? false),
    commands: new RuntimeCommandResolver(deps.images),
    logs: { append: (events) => void lines.push(...events) },
    clock: systemClock,
    region: deps.region,
    endpointUrl: deps.endpointUrl,
    keepAliveMs: 1000,
  });
  const results: ProbeResult[] = [];
  try {
    for (const runtime of runtimes) {
      const hello = helloWorld(runtime);
      if (!hello) continue;
      const codeDir = join(deps.workDir, runtime);
      mkdirSync(codeDir, { recursive: true });
      for (const [name, text] of Object.entries(hello.files)) writeFileSync(join(codeDir, name), text);
      lines.length = 0;
      const version = probeVersion(runtime, codeDir, hello.handler);
      try {
        const outcome = await pool.run(version, {
          requestId: newRequestId(),
          payload: Buffer.from('{}'),
          invokedFunctionArn: `arn:aws:lambda:${deps.region}:000000000000:function:${version.functionName}`,
          traceId: newTraceId(Date.now()),
          wantTail: false,
        });
        if (outcome.outcome === 'success' && outcome.payload.toString() === '"ok"') {
          results.push({ runtime, ok: true, ...(outcome.initDurationMs === undefined ? {} : { initMs: outcome.initDurationMs }) });
        } else {
          results.push({ runtime, ok: false, problem: `${outcome.errorType ?? 'unexpected answer'}: ${messageOf(outcome.payload)}${runtimeOutput(lines)}` });
        }
      } catch (err) {
        results.push({ runtime, ok: false, problem: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
      }
      await pool.drainFunction(version.functionName);
    }
  } finally {
    await pool.stopAll();
  }
  return results;
}

/** The language runtimes the probe tries: every supported one that is ready here (none is installed for it). */
export function probedRuntimes(ready: (runtime: Runtime) => boolean): Runtime[] {
  return SUPPORTED_RUNTIMES.filter((r) => helloWorld(r) !== undefined && ready(r));
}
