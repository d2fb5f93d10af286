/**
 * AWS's "Tutorial: Building a custom runtime" end to end, as a user would follow it: the
 * tutorial's `#!/bin/sh` `bootstrap` (a curl loop over the Runtime API, written for bash)
 * with its handler in `function.sh`, deployed as a provided.al2023 function in the
 * namespace sandbox and invoked with the real AWS CLI v2 (`/usr/bin/aws`, `--endpoint-url`
 * the only change). Skipped, saying why, where the CLI or the namespace sandbox is missing
 * (the process driver runs the host's /bin/sh, which on Debian is dash).
 * https://docs.aws.amazon.com/lambda/latest/dg/runtimes-walkthrough.html
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespaceHostGap } from '../../src/sandbox/namespace/namespace-setup.js';
import { AWS_CLI, awsLambda } from '../helpers/aws-cli.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { ARN_PREFIX, ROLE, waitActive } from '../helpers/lambda.js';
import { reportOf, startRequestId } from '../helpers/invoke.js';
import { makeZip } from '../helpers/zips.js';

const HAVE_AWS = existsSync(AWS_CLI) && existsSync('/usr/bin/curl');
const NAMESPACE_GAP = namespaceHostGap();
if (!HAVE_AWS) console.warn(`test/invoke/provided.spec.ts skipped: needs ${AWS_CLI} (apt-get install awscli) and /usr/bin/curl`);
if (NAMESPACE_GAP) console.warn(`test/invoke/provided.spec.ts skipped: the namespace sandbox is unavailable (${NAMESPACE_GAP})`);

// The tutorial's two files, verbatim (test/invoke/fixtures/runtime-tutorial): a `#!/bin/sh`
// bootstrap that needs bash (`set -o pipefail`, `source`, `function`), as Amazon Linux's
// /bin/sh is; Debian's dash refuses its first line.
const TUTORIAL = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'runtime-tutorial');
const BOOTSTRAP = readFileSync(join(TUTORIAL, 'bootstrap'), 'utf8');
const FUNCTION_SH = readFileSync(join(TUTORIAL, 'function.sh'), 'utf8');

let t: TestGust;
let work: string;

const { ok } = awsLambda(() => ({ endpoint: t.url, cwd: work }));

describe.skipIf(!HAVE_AWS || NAMESPACE_GAP !== undefined)('the custom-runtime tutorial with the AWS CLI', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    t = await startTestGust({ flags: { sandbox: 'namespace' } });
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
