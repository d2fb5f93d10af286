/**
 * Replaces `console.*` with Lambda's log records, as AWS's Node.js runtime does (`LogPatch.js`):
 * text `<ISO time>\t<request id>\t<LEVEL>\t<util.format of the arguments>`, or with
 * AWS_LAMBDA_LOG_FORMAT=JSON one JSON object per record. A record is one line: its newlines
 * become `\r`, so a line-based collector keeps a stack trace in one event. Records are written
 * synchronously to stdout (fd 1), so they are out before the result is posted.
 * `console.log` is INFO, `console.trace` is a TRACE record (no stack), AWS_LAMBDA_LOG_LEVEL
 * drops the levels below it.
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html
 */
import { writeSync } from 'node:fs';
import { format } from 'node:util';
import { intoError, toFormatted } from './errors.mjs';

// The same global key as AWS's runtime, which some libraries read.
const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');

const LEVELS = {
  TRACE: { name: 'TRACE', priority: 1 },
  DEBUG: { name: 'DEBUG', priority: 2 },
  INFO: { name: 'INFO', priority: 3 },
  WARN: { name: 'WARN', priority: 4 },
  ERROR: { name: 'ERROR', priority: 5 },
  FATAL: { name: 'FATAL', priority: 6 },
};

let json = false;

/** The id that log records carry; `undefined` during init, as on Lambda. */
export function setCurrentRequestId(id) {
  globalThis[REQUEST_ID] = id;
}

/** Writes all of `text` to fd 1, waiting out EAGAIN if someone made the pipe non-blocking. */
export function writeStdout(text) {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(1, buf, off);
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err;
    }
  }
}

function textRecord(level, message, params) {
  return `${new Date().toISOString()}\t${globalThis[REQUEST_ID]}\t${level.name}\t${format(message, ...params)}`;
}

// AWS's JSON format: the message itself when there is one argument, errors expanded.
function jsonRecord(level, message, params) {
  const record = { timestamp: new Date().toISOString(), level: level.name, requestId: globalThis[REQUEST_ID] };
  if (params.length === 0) {
    record.message = message;
    try {
      return JSON.stringify(record, jsonErrorReplacer);
    } catch {
      record.message = format(message);
      return JSON.stringify(record);
    }
  }
  record.message = format(message, ...params);
  const err = [message, ...params].find((p) => p instanceof Error);
  if (err) {
    record.errorType = err.constructor?.name ?? 'UnknownError';
    record.errorMessage = err.message;
    record.stackTrace = typeof err.stack === 'string' ? err.stack.split('\n') : [];
  }
  return JSON.stringify(record);
}

function jsonErrorReplacer(_key, value) {
  if (!(value instanceof Error)) return value;
  return Object.assign(
    { errorType: value.constructor?.name ?? 'UnknownError', errorMessage: value.message, stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack },
    value,
  );
}

function log(level, message, params) {
  const record = json ? jsonRecord(level, message, params) : textRecord(level, message, params);
  writeStdout(record.replace(/\n/g, '\r') + '\n');
}

/** Installs the Lambda console; `env` gives AWS_LAMBDA_LOG_FORMAT and AWS_LAMBDA_LOG_LEVEL. */
export function patchConsole(env) {
  json = env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';
  const min = LEVELS[env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase()] ?? LEVELS.TRACE;
  const make = (level) => (level.priority >= min.priority ? (message, ...params) => log(level, message, params) : () => {});
  console.trace = make(LEVELS.TRACE);
  console.debug = make(LEVELS.DEBUG);
  console.info = make(LEVELS.INFO);
  console.log = console.info;
  console.warn = make(LEVELS.WARN);
  console.error = make(LEVELS.ERROR);
  console.fatal = (message, ...params) => log(LEVELS.FATAL, message, params);
}

/** Logs an error as the runtime reports it: `<label> \t{json}` in text, the error itself in JSON. */
export function logError(label, err) {
  if (json) console.error(intoError(err));
  else console.error(label, toFormatted(intoError(err)));
}
