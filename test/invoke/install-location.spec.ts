/**
 * Nothing in a sandbox depends on where Gust is installed: Gust started from a copy of the
 * package under /tmp (dist/, bin/, runtimes/, package.json, node_modules linked), which
 * a sandbox's own /tmp hides, runs Node.js, Python and custom-runtime functions in the
 * namespace sandbox, and none of them sees the copy's path. Before the runtimes had their
 * fixed paths (/var/runtime, /var/lang), every Node.js and Python function failed here.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespaceHostGap } from '../../src/sandbox/namespace/namespace-setup.js';
import { createFunction, invoke } from '../helpers/lambda.js';
import { testRuntimesDir } from '../helpers/runtimes.js';
import { ROOT, serveGust, stopServer, type Server } from '../helpers/serve.js';

const GAP = namespaceHostGap();
if (GAP) console.warn(`test/invoke/install-location.spec.ts skipped: the namespace sandbox is unavailable (${GAP})`);

const NODE = `exports.handler = async () => ({ argv: process.argv, env: process.env, version: process.version });\n`;
const PYTHON = `import os, sys
def handler(event, context):
    return {"argv": sys.argv, "env": dict(os.environ), "path": sys.path, "version": list(sys.version_info[:2])}
`;
const TUTORIAL = join(ROOT, 'test/invoke/fixtures/runtime-tutorial');

describe.skipIf(GAP !== undefined)('Gust started from a copy under /tmp', { timeout: 60_000 }, () => {
  let copy: string;
  let data: string;
  let server: Server | undefined;

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build-if-needed.js'], { cwd: ROOT, stdio: 'pipe' });
    copy = mkdtempSync('/tmp/gust-copy-');
    for (const part of ['dist', 'bin', 'runtimes', 'package.json']) cpSync(join(ROOT, part), join(copy, part), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    data = mkdtempSync('/tmp/gust-copy-data-');
    server = await serveGust(['--data-dir', data, '--sandbox', 'namespace', '--runtimes-dir', testRuntimesDir()], copy);
  }, 120_000);
  afterAll(async () => {
    await stopServer(server);
    for (const dir of [copy, data]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs Node.js with its bootstrap at /var/runtime, and nothing inside names the copy', async () => {
    await createFunction(server!.lambda, 'node', { Runtime: 'nodejs20.x', files: { 'index.js': NODE } });
    const r = await invoke(server!.lambda, 'node');
    expect(r.functionError, r.text).toBeUndefined();
    expect(r.json).toMatchObject({ argv: ['/var/lang/bin/node', '/var/runtime/bootstrap.mjs'], env: { LAMBDA_RUNTIME_DIR: '/var/runtime' } });
    expect(r.text).not.toContain(copy);
  });

  it('runs Python the same way', async () => {
    await createFunction(server!.lambda, 'python', { Runtime: 'python3.11', Handler: 'app.handler', files: { 'app.py': PYTHON } });
    const r = await invoke(server!.lambda, 'python');
    expect(r.functionError, r.text).toBeUndefined();
    expect(r.json).toMatchObject({ argv: ['/var/runtime/bootstrap.py'], env: { LAMBDA_RUNTIME_DIR: '/var/runtime' }, version: [3, 11] });
    expect(r.text).not.toContain(copy);
  });

  it("runs AWS's custom-runtime tutorial", async () => {
    const files = {
      bootstrap: { content: readFileSync(join(TUTORIAL, 'bootstrap')), mode: 0o100755 },
      'function.sh': { content: readFileSync(join(TUTORIAL, 'function.sh')), mode: 0o100755 },
    };
    await createFunction(server!.lambda, 'tutorial', { Runtime: 'provided.al2023', Handler: 'function.handler', files });
    const r = await invoke(server!.lambda, 'tutorial', { text: 'Hello' });
    expect(r.functionError, r.text).toBeUndefined();
    expect(r.text).toBe(`Echoing request: '{"text":"Hello"}'`);
  });
});
