/**
 * Each runtime identifier runs on its own version, in the namespace sandbox where this host
 * has it, as Lambda ships it: the interpreter of that version at /var/lang, Gust's
 * bootstrap at /var/runtime, AWS_EXECUTION_ENV telling the truth, bash as /bin/sh, a layer
 * built for one version loading on that version only, and the AWS SDK importable without
 * bundling (a bundled copy wins). The runtimes are the suites' shared ones (installed by
 * test/setup/runtimes.ts), plus any other identifier already installed there (CI's Node 24).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublishLayerVersionCommand } from '@aws-sdk/client-lambda';
import { SUPPORTED_RUNTIMES, type Runtime } from '../../src/core/limits.js';
import { namespaceHostGap } from '../../src/sandbox/namespace/namespace-setup.js';
import { RuntimeProvider } from '../../src/sandbox/runtimes/runtime-provider.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { reportOf } from '../helpers/invoke.js';
import { createFunction, invoke } from '../helpers/lambda.js';
import { makeZip, type ZipFiles } from '../helpers/zips.js';
import { TEST_RUNTIMES, testRuntimesDir } from '../helpers/runtimes.js';

const NAMESPACE = namespaceHostGap() === undefined;
if (!NAMESPACE) console.warn(`test/invoke/runtimes.spec.ts: the namespace sandbox is unavailable (${namespaceHostGap()}); runs on the process driver, without Python roots`);

const provider = new RuntimeProvider({ dir: testRuntimesDir(), npmRegistry: 'https://registry.npmjs.org/', debian: { mirror: 'http://deb.debian.org' }, systemRoots: NAMESPACE });
const runnable = (r: Runtime) => ['host', 'installed'].includes(provider.status(r).state);
const MATRIX = SUPPORTED_RUNTIMES.filter((r) => !r.startsWith('provided') && ((TEST_RUNTIMES as readonly string[]).includes(r) || runnable(r))).filter(runnable);

const NODE_PROBE = `const { execSync } = require('node:child_process');
exports.handler = async () => ({
  version: process.version,
  execPath: process.execPath,
  executionEnv: process.env.AWS_EXECUTION_ENV,
  runtimeDir: process.env.LAMBDA_RUNTIME_DIR,
  sh: execSync('echo \${BASH_VERSION:-not bash}', { shell: '/bin/sh' }).toString().trim(),
});
`;

const PYTHON_PROBE = `import os, subprocess, sys
def handler(event, context):
    sh = subprocess.run(["/bin/sh", "-c", "echo \${BASH_VERSION:-not bash}"], capture_output=True, text=True).stdout.strip()
    return {"version": list(sys.version_info[:3]), "execPath": sys.executable, "executionEnv": os.environ.get("AWS_EXECUTION_ENV"),
            "runtimeDir": os.environ.get("LAMBDA_RUNTIME_DIR"), "sh": sh}
`;

interface Probe {
  version: string | number[];
  execPath: string;
  executionEnv: string;
  runtimeDir: string;
  sh: string;
}

let t: TestGust;
let n = 0;
beforeAll(async () => {
  t = await startTestGust({ flags: { sandbox: NAMESPACE ? 'namespace' : 'process' } });
});
afterAll(() => t?.stop());

/** Creates a function of `runtime` from `files` and invokes it once, cold, with the log tail. */
async function run(runtime: Runtime, files: ZipFiles, extra: Record<string, unknown> = {}) {
  const name = `fn-${++n}`;
  const python = runtime.startsWith('python');
  await createFunction(t.lambda, name, { Runtime: runtime, Handler: python ? 'app.handler' : 'index.handler', Timeout: 30, files, ...extra });
  const started = performance.now();
  const r = await invoke(t.lambda, name, {}, { LogType: 'Tail' });
  return { ...r, ms: performance.now() - started };
}

describe.each(MATRIX)('%s', (runtime) => {
  const python = runtime.startsWith('python');
  const version = runtime.replace(/^nodejs|\.x$|^python/g, '');

  it('runs on the interpreter of exactly its version, and says so', async () => {
    const r = await run(runtime, python ? { 'app.py': PYTHON_PROBE } : { 'index.js': NODE_PROBE });
    expect(r.functionError, r.text).toBeUndefined();
    const probe = r.json as Probe;
    if (python) expect((probe.version as number[]).slice(0, 2).join('.')).toBe(version);
    else expect(String(probe.version).split('.')[0]).toBe(`v${version}`);
    expect(probe.executionEnv).toBe(`AWS_Lambda_${runtime}`);
    if (NAMESPACE) {
      expect(probe.runtimeDir).toBe('/var/runtime');
      expect(probe.sh).not.toBe('not bash');
      if (!python) expect(probe.execPath).toBe('/var/lang/bin/node');
    }
    const report = reportOf(r.log!);
    console.log(`cold start ${runtime} (${NAMESPACE ? 'namespace' : 'process'}): invoke → response ${r.ms.toFixed(1)} ms, Init Duration ${report.initDurationMs} ms`);
  });
});

describe('a layer built for one version', () => {
  const only = (v: string) => `import sys
if sys.version_info[:2] != (${v.replace('.', ', ')}):
    raise ImportError("built for CPython ${v}, not %d.%d" % sys.version_info[:2])
`;
  const pythons = MATRIX.filter((r) => r.startsWith('python'));
  const target = pythons.find((r) => r !== 'python3.11');

  it.skipIf(!target)('loads on that version and on no other', async () => {
    const v = target!.slice('python'.length);
    const pkg = `only${v.replace('.', '')}`;
    const zip = await makeZip({ [`python/lib/python${v}/site-packages/${pkg}/__init__.py`]: only(v) });
    const layer = await t.lambda.send(new PublishLayerVersionCommand({ LayerName: `cp${v.replace('.', '')}-like`, Content: { ZipFile: zip }, CompatibleRuntimes: [target!] }));
    const app = `import ${pkg}\ndef handler(event, context):\n    return "${pkg} loaded"\n`;
    for (const runtime of pythons) {
      const r = await run(runtime, { 'app.py': app }, { Layers: [layer.LayerVersionArn!] });
      if (runtime === target) {
        expect(r.functionError, r.text).toBeUndefined();
        expect(r.json).toBe(`${pkg} loaded`);
      } else {
        expect(r.functionError).toBe('Unhandled');
        expect(r.json).toMatchObject({ errorType: 'Runtime.ImportModuleError', errorMessage: `Unable to import module 'app': No module named '${pkg}'` });
      }
    }
  });
});

describe('the AWS SDK inside the runtime', () => {
  const nodes = MATRIX.filter((r) => r.startsWith('nodejs'));
  const pythons = MATRIX.filter((r) => r.startsWith('python'));

  it.each(nodes)('%s: an ES module and a CommonJS handler import the v3 clients without bundling them', async (runtime) => {
    const esm = `import { LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
export const handler = async () => {
  const lambda = new LambdaClient({ region: 'eu-west-1' });
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
  return { client: lambda.constructor.name, region: await lambda.config.region(), doc: doc.constructor.name, from: import.meta.resolve('@aws-sdk/client-lambda') };
};
`;
    const r = await run(runtime, { 'index.mjs': esm });
    expect(r.functionError, r.text).toBeUndefined();
    expect(r.json).toMatchObject({ client: 'LambdaClient', region: 'eu-west-1', doc: 'DynamoDBDocumentClient' });
    if (NAMESPACE) expect((r.json as { from: string }).from).toMatch(/^file:\/\/\/var\/runtime\/node_modules\/@aws-sdk\/client-lambda\//);

    const cjs = `const { S3Client } = require('@aws-sdk/client-s3');
const { SQSClient } = require('@aws-sdk/client-sqs');
exports.handler = async () => ({ s3: new S3Client({ region: 'us-east-1' }).constructor.name, sqs: new SQSClient({ region: 'us-east-1' }).constructor.name, from: require.resolve('@aws-sdk/client-s3') });
`;
    const c = await run(runtime, { 'index.js': cjs });
    expect(c.functionError, c.text).toBeUndefined();
    expect(c.json).toMatchObject({ s3: 'S3Client', sqs: 'SQSClient' });
    if (NAMESPACE) expect((c.json as { from: string }).from).toMatch(/^\/var\/runtime\/node_modules\/@aws-sdk\/client-s3\//);
  });

  it.skipIf(nodes.length === 0)("a copy bundled in the function's zip wins over the runtime's", async () => {
    const bundled = {
      'node_modules/@aws-sdk/client-lambda/package.json': JSON.stringify({ name: '@aws-sdk/client-lambda', version: '0.0.0-bundled', main: 'index.js' }),
      'node_modules/@aws-sdk/client-lambda/index.js': 'exports.LambdaClient = class BundledLambdaClient {};\n',
    };
    const esm = `import { LambdaClient } from '@aws-sdk/client-lambda';\nexport const handler = async () => new LambdaClient().constructor.name;\n`;
    const r = await run(nodes[0]!, { ...bundled, 'index.mjs': esm });
    expect(r.functionError, r.text).toBeUndefined();
    expect(r.json).toBe('BundledLambdaClient');
  });

  it.each(pythons)("%s: boto3 and botocore from the runtime (Debian 13's 1.37.9), honouring AWS_ENDPOINT_URL; a bundled boto3 first", async (runtime) => {
    const app = `import boto3, botocore, os
def handler(event, context):
    creds = {"region_name": "us-east-1", "aws_access_key_id": "a", "aws_secret_access_key": "b"}
    url = boto3.client("s3", **creds).generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"})
    return {"boto3": boto3.__version__, "botocore": botocore.__version__, "file": boto3.__file__,
            "service": boto3.client("lambda", **creds).meta.service_model.service_name, "presigned": url.split("?")[0],
            "endpoint": os.environ["AWS_ENDPOINT_URL"]}
`;
    const r = await run(runtime, { 'app.py': app });
    expect(r.functionError, r.text).toBeUndefined();
    const json = r.json as { endpoint: string };
    expect(json).toMatchObject({ boto3: '1.37.9', botocore: '1.37.9', service: 'lambda', presigned: `${json.endpoint}/b/k` });
    if (NAMESPACE) expect((r.json as { file: string }).file).toBe(`/var/lang/lib/${runtime}/site-packages/boto3/__init__.py`);

    const own = await run(runtime, { 'boto3/__init__.py': '__version__ = "bundled"\n', 'app.py': 'import boto3\ndef handler(e, c):\n    return boto3.__version__\n' });
    expect(own.json).toBe('bundled');
  });
});
