/**
 * Shared pieces of the invoke suites (test/invoke): in-memory zips that keep Unix modes,
 * function creation that waits until the function is Active, Invoke through the real SDK
 * with the payload and log tail decoded, the REPORT-line layout, AWS errors as the SDK
 * raises them, and checks that runtime processes are gone.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { expect } from 'vitest';
import yazl from 'yazl';
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  type CreateFunctionCommandInput,
  type InvokeCommandInput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';

export const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
export const ARN_PREFIX = 'arn:aws:lambda:us-east-1:000000000000:function:';

/** A file of a zip: its text, or its text and Unix mode (`bootstrap` needs 0o100755). */
export type ZipFiles = Record<string, string | { content: string | Buffer; mode: number }>;

/** A zip holding `files`, built in memory, with each file's mode kept in the entry. */
export function makeZip(files: ZipFiles): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, file] of Object.entries(files)) {
    const { content, mode } = typeof file === 'string' ? { content: file, mode: 0o100644 } : file;
    zip.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), name, { mtime: new Date(0), mode });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000, everyMs = 20): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits until a function (or its last update) is done: State Active, LastUpdateStatus not InProgress. */
export async function waitActive(lambda: LambdaClient, name: string): Promise<void> {
  await waitFor(`${name} to be Active`, async () => {
    const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    return c.State === 'Active' && c.LastUpdateStatus !== 'InProgress' ? true : undefined;
  });
}

export interface FunctionSpec extends Partial<Omit<CreateFunctionCommandInput, 'Code'>> {
  files: ZipFiles;
}

/** Creates a function (nodejs20.x, index.handler, by default) from `files` and waits until it is Active. */
export async function createFunction(lambda: LambdaClient, name: string, spec: FunctionSpec): Promise<void> {
  const { files, ...rest } = spec;
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: ROLE,
      ...rest,
      Code: { ZipFile: await makeZip(files) },
    }),
  );
  await waitActive(lambda, name);
}

export interface Invoked {
  status: number | undefined;
  /** The response body as text. */
  text: string;
  /** The response body parsed as JSON (undefined when it is not JSON). */
  json: unknown;
  functionError: string | undefined;
  executedVersion: string | undefined;
  /** The decoded X-Amz-Log-Result, when LogType was Tail. */
  log: string | undefined;
  requestId: string | undefined;
}

/** Invoke through the SDK; `payload` is JSON-encoded unless it is a string or a Buffer. */
export async function invoke(lambda: LambdaClient, name: string, payload: unknown = {}, extra: Partial<InvokeCommandInput> = {}): Promise<Invoked> {
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const out = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: bytes, ...extra }));
  const text = Buffer.from(out.Payload ?? []).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return {
    status: out.StatusCode,
    text,
    json,
    functionError: out.FunctionError,
    executedVersion: out.ExecutedVersion,
    log: out.LogResult === undefined ? undefined : Buffer.from(out.LogResult, 'base64').toString('utf8'),
    requestId: out.$metadata.requestId,
  };
}

/** The fields of an AWS error as the SDK raises it. */
export interface SdkError {
  name: string;
  message: string;
  Reason?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Runs `promise`, which must reject with the AWS error `name` and HTTP `status`; returns the error. */
export async function expectAwsError(promise: Promise<unknown>, name: string, status: number, message?: string | RegExp): Promise<SdkError> {
  const err = await caught(promise);
  expect(err, `expected ${name}`).toBeDefined();
  expect({ name: err!.name, status: err!.$metadata?.httpStatusCode }).toEqual({ name, status });
  if (typeof message === 'string') expect(err!.message).toBe(message);
  else if (message) expect(err!.message).toMatch(message);
  return err!;
}

/** The error `promise` rejects with, or undefined when it resolves. */
export async function caught(promise: Promise<unknown>): Promise<SdkError | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return err as SdkError;
  }
}

/** AWS's REPORT line, exactly: tab-separated, durations with two decimals, whole MB. */
export const REPORT_LINE =
  /^REPORT RequestId: (\S+)\tDuration: (\d+\.\d{2}) ms\tBilled Duration: (\d+) ms\tMemory Size: (\d+) MB\tMax Memory Used: (\d+) MB(?:\tInit Duration: (\d+\.\d{2}) ms)?(?:\tStatus: (?:timeout|error)(?:\tError Type: \S+)?)?$/;

export interface Report {
  requestId: string;
  durationMs: number;
  billedMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  initDurationMs?: number;
}

/** The REPORT line of `log` for `requestId` (fails the test when there is none or it is malformed). */
export function reportOf(log: string, requestId?: string): Report {
  const line = log.split('\n').find((l) => l.startsWith('REPORT ') && (requestId === undefined || l.startsWith(`REPORT RequestId: ${requestId}\t`)));
  expect(line, `a REPORT line in:\n${log}`).toBeDefined();
  const m = REPORT_LINE.exec(line!);
  expect(m, `REPORT layout of ${JSON.stringify(line)}`).not.toBeNull();
  return {
    requestId: m![1]!,
    durationMs: Number(m![2]),
    billedMs: Number(m![3]),
    memorySizeMb: Number(m![4]),
    maxMemoryUsedMb: Number(m![5]),
    ...(m![6] === undefined ? {} : { initDurationMs: Number(m![6]) }),
  };
}

/** The request id of the START line of a log tail. */
export function startRequestId(log: string): string {
  const m = /^START RequestId: (\S+) Version: \S+$/m.exec(log);
  expect(m, `a START line in:\n${log}`).not.toBeNull();
  return m![1]!;
}

/** Whether a process with this pid exists (signal 0: ESRCH when it does not). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the process is gone or a zombie nobody reaped yet (not running code any more). */
export function gone(pid: number): boolean {
  if (!alive(pid)) return true;
  try {
    const stat = readFileSyncSafe(`/proc/${pid}/stat`);
    // Field 3, after the parenthesised command name, is the state; Z is a zombie.
    return stat !== undefined && stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

function readFileSyncSafe(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Whether no live host process belongs to the execution environment with this log stream
 * (Lambda's AWS_LAMBDA_LOG_STREAM_NAME, one per environment). Works for every sandbox
 * driver: a pid reported from inside a pid namespace means nothing on the host.
 */
export function environmentGone(logStreamName: string): boolean {
  return processesMentioning(`AWS_LAMBDA_LOG_STREAM_NAME=${logStreamName} `).length === 0;
}

/** Pids (Linux /proc) whose command line or environment mentions `needle` and that are not zombies. */
export function processesMentioning(needle: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    const cmdline = readFileSyncSafe(`/proc/${pid}/cmdline`)?.replace(/\0/g, ' ') ?? '';
    const environ = readFileSyncSafe(`/proc/${pid}/environ`)?.replace(/\0/g, ' ') ?? '';
    if ((cmdline.includes(needle) || environ.includes(needle)) && !gone(pid)) pids.push(pid);
  }
  return pids;
}

/** SIGKILLs what `processesMentioning(needle)` finds: runtimes a killed server left behind (they live under its data dir). */
export function killProcessesMentioning(needle: string): void {
  for (const pid of processesMentioning(needle)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
