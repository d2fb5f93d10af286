/**
 * The pool with Gust's real Python runtime (runtimes/python/bootstrap.py) on the host's
 * python3: warm state and output inside the invocation's START/END.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReportLine } from '../../src/logs/log-format.js';
import { invoke, startTestPool, testVersion, text, type TestPool } from './pool-helpers.js';

const APP = `
import os
count = 0

def handler(event, context):
    global count
    count += 1
    if event.get('print'):
        for i in range(event['print']):
            print('line', i + 1)
    return {'count': count, 'cwd': os.getcwd(), 'tz': os.environ.get('TZ')}
`;

describe('Pool with the Python runtime', () => {
  let t: TestPool;
  beforeAll(async () => {
    t = await startTestPool();
  });
  afterAll(async () => {
    await t.cleanup();
  });

  it('keeps module state warm and prints inside START/END', async () => {
    const code = t.code({ 'app.py': APP });
    const v = testVersion('py', code, { runtime: 'python3.11', handler: 'app.handler' });
    const a = await invoke(t.pool, v, '{}');
    expect(JSON.parse(text(a))).toEqual({ count: 1, cwd: code, tz: ':UTC' });
    for (let round = 2; round < 5; round++) {
      const r = await invoke(t.pool, v, JSON.stringify({ print: 20 }));
      expect(JSON.parse(text(r)).count).toBe(round);
      const lines = r.logTail!.trimEnd().split('\n');
      const end = lines.findIndex((l) => l.startsWith('END RequestId'));
      expect(lines[end - 1]).toMatch(/line 20$/);
      const report = parseReportLine(lines[end + 1]!)!;
      expect(report.maxMemoryUsedMb).toBeGreaterThan(3);
      expect(report.maxMemoryUsedMb).toBeLessThan(128);
    }
    expect(a.initDurationMs).toBeGreaterThan(0);
  });
});
