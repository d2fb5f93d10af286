/**
 * What a runtime receives with each invocation, end to end: a Gust server, the real SDK, and
 * a provided.al2023 function whose bash `bootstrap` answers with the headers of its own
 * GET /next. Lambda sets `Lambda-Runtime-Trace-Id` on every invocation (an X-Ray header, a
 * new one each time, its root dated now), and the deadline is the function's timeout from
 * the moment the invocation started.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { ARN_PREFIX, createFunction, invoke } from '../helpers/lambda.js';

const BOOTSTRAP = `#!/bin/bash
set -euo pipefail
API="http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
HEADERS="$(mktemp)"
while true; do
  curl -sS -D "$HEADERS" -o /dev/null "$API/invocation/next"
  ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  curl -sS -o /dev/null -X POST "$API/invocation/$ID/response" --data-binary @"$HEADERS"
done
`;

/** The `Lambda-Runtime-*` headers of a raw HTTP head, lower-cased. */
function runtimeHeaders(head: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const m = /^(lambda-runtime-[a-z-]+):\s*(.*)$/i.exec(line);
    if (m) out[m[1]!.toLowerCase()] = m[2]!;
  }
  return out;
}

const TRACE = /^Root=1-([0-9a-f]{8})-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/;

let t: TestGust;

beforeAll(async () => {
  t = await startTestGust();
  await createFunction(t.lambda, 'headers', {
    Runtime: 'provided.al2023',
    Handler: 'unused',
    Timeout: 7,
    files: { bootstrap: { content: BOOTSTRAP, mode: 0o100755 } },
  });
});

afterAll(async () => {
  await t.stop();
});

describe('the headers of GET /next', () => {
  it('carry a new X-Ray trace id on every invocation, its root dated when it was invoked', async () => {
    const traces: string[] = [];
    for (let i = 0; i < 3; i++) {
      const before = Math.floor(Date.now() / 1000);
      const r = await invoke(t.lambda, 'headers');
      const after = Math.floor(Date.now() / 1000);
      expect(r.functionError).toBeUndefined();
      const trace = runtimeHeaders(r.text)['lambda-runtime-trace-id']!;
      const m = TRACE.exec(trace);
      expect(m, trace).not.toBeNull();
      const seconds = parseInt(m![1]!, 16);
      expect(seconds).toBeGreaterThanOrEqual(before);
      expect(seconds).toBeLessThanOrEqual(after);
      traces.push(trace);
    }
    expect(new Set(traces).size).toBe(3);
  });

  it('carry the decoded client context, the ARN as invoked, and a deadline one timeout away', async () => {
    const clientContext = { custom: { tenant: 'a' } };
    const before = Date.now();
    const r = await invoke(t.lambda, 'headers', {}, { ClientContext: Buffer.from(JSON.stringify(clientContext)).toString('base64'), Qualifier: '$LATEST' });
    const after = Date.now();
    const headers = runtimeHeaders(r.text);
    expect(JSON.parse(headers['lambda-runtime-client-context']!)).toEqual(clientContext);
    expect(headers['lambda-runtime-invoked-function-arn']).toBe(`${ARN_PREFIX}headers:$LATEST`);
    expect(headers['lambda-runtime-aws-request-id']).toBe(r.requestId);
    const deadline = Number(headers['lambda-runtime-deadline-ms']);
    expect(deadline).toBeGreaterThanOrEqual(before + 7000);
    expect(deadline).toBeLessThanOrEqual(after + 7000);
  });
});
