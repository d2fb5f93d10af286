/**
 * AWS's "Tutorial: Building a custom runtime" end to end, as a user would follow it: the
 * tutorial's bash `bootstrap` (a curl loop over the Runtime API) with its handler in
 * `function.sh`, deployed as a provided.al2023 function and invoked with the real AWS CLI v2
 * (`/usr/bin/aws`, `--endpoint-url` the only change). Skipped, saying why, where the CLI
 * is not installed.
 * https://docs.aws.amazon.com/lambda/latest/dg/runtimes-walkthrough.html
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI, awsLambda } from '../helpers/aws-cli.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { ARN_PREFIX, ROLE, waitActive } from '../helpers/lambda.js';
import { reportOf, startRequestId } from '../helpers/invoke.js';
import { makeZip } from '../helpers/zips.js';

const HAVE_AWS = existsSync(AWS_CLI) && existsSync('/usr/bin/curl');
if (!HAVE_AWS) console.warn(`test/invoke/provided.spec.ts skipped: needs ${AWS_CLI} (apt-get install awscli) and /usr/bin/curl`);

// The tutorial's runtime, line for line (with bash, which `source` and `function` need).
const BOOTSTRAP = `#!/bin/bash
set -euo pipefail

# Initialization - load function handler
source $LAMBDA_TASK_ROOT/"$(echo $_HANDLER | cut -d. -f1).sh"

# Processing
while true
do
  HEADERS="$(mktemp)"
  # Get an event. The HTTP request will block until one is received
  EVENT_DATA=$(curl -sS -LD "$HEADERS" "http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")

  # Extract request ID by scraping response headers received above
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)

  # Run the handler function from the script
  RESPONSE=$($(echo "$_HANDLER" | cut -d. -f2) "$EVENT_DATA")

  # Send the response
  curl "http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$REQUEST_ID/response"  -d "$RESPONSE"
done
`;

const FUNCTION_SH = `function handler () {
  EVENT_DATA=$1
  echo "$EVENT_DATA" 1>&2;
  RESPONSE="Echoing request: '$EVENT_DATA'"

  echo $RESPONSE
}
`;

let t: TestGust;
let work: string;

const { ok } = awsLambda(() => ({ endpoint: t.url, cwd: work }));

describe.skipIf(!HAVE_AWS)('the custom-runtime tutorial with the AWS CLI', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    t = await startTestGust();
    work = mkdtempSync(join(tmpdir(), 'gust-provided-'));
    writeFileSync(join(work, 'function.zip'), await makeZip({ bootstrap: { content: BOOTSTRAP, mode: 0o100755 }, 'function.sh': FUNCTION_SH }));
  });

  afterAll(async () => {
    await t?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('creates the function from the zip with create-function --zip-file fileb://', async () => {
    const created = await ok(
      'create-function',
      '--function-name', 'bash-runtime',
      '--zip-file', 'fileb://function.zip',
      '--handler', 'function.handler',
      '--runtime', 'provided.al2023',
      '--role', ROLE,
    );
    expect(created).toMatchObject({ FunctionName: 'bash-runtime', FunctionArn: `${ARN_PREFIX}bash-runtime`, Runtime: 'provided.al2023', Handler: 'function.handler' });
    await waitActive(t.lambda, 'bash-runtime');
  });

  it('invokes it with aws lambda invoke: the response in the outfile, the log tail decoded', async () => {
    const out = await ok(
      'invoke',
      '--function-name', 'bash-runtime',
      '--cli-binary-format', 'raw-in-base64-out',
      '--payload', '{"text":"Hello"}',
      '--log-type', 'Tail',
      'out.json',
    );
    expect(out).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(out).not.toHaveProperty('FunctionError');
    expect(readFileSync(join(work, 'out.json'), 'utf8')).toBe(`Echoing request: '{"text":"Hello"}'`);

    const log = Buffer.from(out.LogResult as string, 'base64').toString('utf8');
    const id = startRequestId(log);
    expect(log).toContain(`START RequestId: ${id} Version: $LATEST\n`);
    // The handler's `echo "$EVENT_DATA" 1>&2`.
    expect(log).toContain('{"text":"Hello"}\n');
    expect(log).toContain(`END RequestId: ${id}\n`);
    const report = reportOf(log, id);
    expect(report.memorySizeMb).toBe(128);
    expect(report.initDurationMs).toBeGreaterThan(0);
  });

  it('runs the next invoke on the same warm bash loop', async () => {
    const out = await ok('invoke', '--function-name', 'bash-runtime', '--cli-binary-format', 'raw-in-base64-out', '--payload', '{"n":2}', '--log-type', 'Tail', 'out2.json');
    expect(out).toMatchObject({ StatusCode: 200 });
    expect(readFileSync(join(work, 'out2.json'), 'utf8')).toBe(`Echoing request: '{"n":2}'`);
    const log = Buffer.from(out.LogResult as string, 'base64').toString('utf8');
    expect(reportOf(log, startRequestId(log)).initDurationMs).toBeUndefined();
  });
});
