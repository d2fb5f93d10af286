/**
 * The lines Lambda's platform writes around every invocation, in AWS's exact layout
 * (fields separated by tabs, durations with two decimals, memory in whole MB):
 *
 *   START RequestId: <id> Version: <version>
 *   END RequestId: <id>
 *   REPORT RequestId: <id>\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 45 MB[\tInit Duration: 123.45 ms][\tStatus: timeout|error[\tError Type: …]]
 *   INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout|error[\tError Type: …]
 *
 * and the names of log groups and streams. See
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html (log format) and
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html (names).
 */

/** `/aws/lambda/<function name>`: the default log group of a function. */
export function logGroupName(functionName: string): string {
  return `/aws/lambda/${functionName}`;
}

/** `YYYY/MM/DD/[<version>]<32 hex>`, dated in UTC as on AWS. */
export function logStreamName(timestamp: number, version: string, hex: string): string {
  const d = new Date(timestamp);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/[${version}]${hex}`;
}

export function startLine(requestId: string, version: string): string {
  return `START RequestId: ${requestId} Version: ${version}`;
}

export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}`;
}

/** How an invocation ended, as the REPORT line's optional Status field says it. */
export type ReportStatus = { status: 'timeout' } | { status: 'error'; errorType?: string };

export interface ReportFields {
  requestId: string;
  durationMs: number;
  billedDurationMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  /** Present on the invocation that started the environment (a cold start). */
  initDurationMs?: number | undefined;
  /** Absent when the invocation completed (successfully or with a handled function error). */
  outcome?: ReportStatus | undefined;
}

export function reportLine(r: ReportFields): string {
  let line =
    `REPORT RequestId: ${r.requestId}\tDuration: ${r.durationMs.toFixed(2)} ms\tBilled Duration: ${r.billedDurationMs} ms` +
    `\tMemory Size: ${r.memorySizeMb} MB\tMax Memory Used: ${r.maxMemoryUsedMb} MB`;
  if (r.initDurationMs !== undefined) line += `\tInit Duration: ${r.initDurationMs.toFixed(2)} ms`;
  if (r.outcome) line += statusFields(r.outcome);
  return line;
}

/** The line Lambda writes when an environment's init phase fails or times out. */
export function initReportLine(initDurationMs: number, outcome: ReportStatus): string {
  return `INIT_REPORT Init Duration: ${initDurationMs.toFixed(2)} ms\tPhase: init${statusFields(outcome)}`;
}

function statusFields(o: ReportStatus): string {
  return o.status === 'timeout' ? '\tStatus: timeout' : `\tStatus: error${o.errorType ? `\tError Type: ${o.errorType}` : ''}`;
}

const REPORT_RE =
  /^REPORT RequestId: (\S+)\tDuration: (\d+\.\d{2}) ms\tBilled Duration: (\d+) ms\tMemory Size: (\d+) MB\tMax Memory Used: (\d+) MB(?:\tInit Duration: (\d+\.\d{2}) ms)?(?:\tStatus: (timeout|error)(?:\tError Type: (\S+))?)?$/;

/** Parses a REPORT line written by {@link reportLine} (or by AWS); undefined if it is not one. */
export function parseReportLine(line: string): ReportFields | undefined {
  const m = REPORT_RE.exec(line);
  if (!m) return undefined;
  const r: ReportFields = {
    requestId: m[1]!,
    durationMs: Number(m[2]),
    billedDurationMs: Number(m[3]),
    memorySizeMb: Number(m[4]),
    maxMemoryUsedMb: Number(m[5]),
  };
  if (m[6] !== undefined) r.initDurationMs = Number(m[6]);
  if (m[7] === 'timeout') r.outcome = { status: 'timeout' };
  else if (m[7] === 'error') r.outcome = m[8] ? { status: 'error', errorType: m[8] } : { status: 'error' };
  return r;
}

/**
 * Billed duration: whole milliseconds, rounded up (Lambda's 1 ms granularity). Since
 * August 2025 Lambda bills the init phase of on-demand environments as well, so a cold
 * start's init duration is part of it.
 */
export function billedDurationMs(durationMs: number, initDurationMs = 0): number {
  return Math.max(1, Math.ceil(durationMs + initDurationMs));
}

/** Bytes to whole MB, rounded up, as Max Memory Used reports them. */
export function toMb(bytes: number): number {
  return Math.ceil(bytes / (1024 * 1024));
}
