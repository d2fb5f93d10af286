/**
 * Trigger → handler start, one event at a time: a handler that appends `<id> <Date.now()>`
 * per record to $OUT, and the loop that sends events one by one and reads when each began.
 * Shared by the queue and object-storage scenarios; the first event warms the environment
 * and is not counted.
 */
import { existsSync, readFileSync } from 'node:fs';
import { percentile, sortedCopy } from './stats.js';

/** The stamping handler; `idOf` is the JavaScript expression of a record's id (`r.body`, `r.s3.object.key`). */
export function stampHandler(idOf) {
  return {
    runtime: 'nodejs20.x',
    handler: 'index.handler',
    files: { 'index.js': `const fs = require('fs');\nexports.handler = async (event) => { const t = Date.now(); fs.appendFileSync(process.env.OUT, event.Records.map((r) => ${idOf} + ' ' + t + '\\n').join('')); };\n` },
  };
}

/**
 * Sends events 0..samples with `send(n)` (id `n`), waits for each to reach the stamping
 * handler writing to `file`, and returns p50 and p99 of send → start, in ms.
 */
export async function triggerLatencies(file, samples, send, { limitMs = 120_000, pauseMs = 0 } = {}) {
  const startOf = (n) => {
    if (!existsSync(file)) return undefined;
    const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${n} `));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  };
  const latencies = [];
  for (let n = 0; n <= samples; n++) {
    const sentAt = Date.now();
    await send(n);
    const waitStart = performance.now();
    let started;
    while ((started = startOf(n)) === undefined) {
      if (performance.now() - waitStart > limitMs) throw new Error(`event ${n} did not reach the handler within ${limitMs} ms`);
      await new Promise((r) => setTimeout(r, 2));
    }
    if (n > 0) latencies.push(started - sentAt);
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
  }
  const sorted = sortedCopy(latencies);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}
